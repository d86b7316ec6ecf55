# Turns livechat.lua into a C++ string so the binary carries its own Functions library.
file(READ ${IN} content)
set(delim "LCLUA")
file(WRITE ${OUT} "// Generated from livechat.lua; do not edit.\n#include \"server/store/functions.hpp\"\n\nnamespace lc::store {\nconst char* const functions_source = R\"${delim}(${content})${delim}\";\n}\n")
