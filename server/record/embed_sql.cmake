# Turns the numbered migrations into a C++ table so the binary carries its own schema.
# IN_DIR: the sql/ folder; OUT: the generated .cpp. Files are applied in name order.
file(GLOB files RELATIVE ${IN_DIR} ${IN_DIR}/*.sql)
list(SORT files)
set(body "")
foreach(f ${files})
  file(READ ${IN_DIR}/${f} content)
  string(REGEX MATCH "^[0-9]+" number ${f})
  math(EXPR version "${number}")
  string(APPEND body "    {${version}, \"${f}\", R\"LCSQL(${content})LCSQL\"},\n")
endforeach()
file(WRITE ${OUT} "// Generated from server/record/sql; do not edit.\n#include \"server/record/migrations.hpp\"\n\nnamespace lc::record {\nconst std::vector<migration>& migrations() {\n  static const std::vector<migration> all = {\n${body}  };\n  return all;\n}\n}  // namespace lc::record\n")
