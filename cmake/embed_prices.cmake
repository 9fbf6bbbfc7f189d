# Writes data/prices.json into a C++ source as a raw string literal (cmake -P, with IN and OUT).
file(READ ${IN} content)
string(FIND "${content}" ")prices\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )prices\"")
endif()
file(WRITE ${OUT} "// Generated from data/prices.json at build time; edit that file instead.\nnamespace modelmux::cost {\nextern const char* const kBuiltinPrices;\nconst char* const kBuiltinPrices = R\"prices(${content})prices\";\n}  // namespace modelmux::cost\n")
