export * from "./client.js";
export * from "./conversation.js";
export * from "./ids.js";
