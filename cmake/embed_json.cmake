# Writes a data file (data/prices.json, data/router_weights.json) into a C++ source as a raw string literal,
# the constant `const char* const NAMESPACE::NAME` (cmake -P, with IN, OUT, NAMESPACE and NAME).
file(READ ${IN} content)
string(FIND "${content}" ")json\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )json\"")
endif()
get_filename_component(source ${IN} NAME)
file(WRITE ${OUT} "// Generated from data/${source} at build time; edit that file instead.\nnamespace ${NAMESPACE} {\nextern const char* const ${NAME};\nconst char* const ${NAME} = R\"json(${content})json\";\n}  // namespace ${NAMESPACE}\n")
