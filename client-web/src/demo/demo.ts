// The demo page needs no code of its own; this module only pulls its stylesheet into the build.
import "./demo.css";
