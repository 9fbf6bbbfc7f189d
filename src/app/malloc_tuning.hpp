// Gives `modelmux serve` a deeper glibc per-thread cache (tcache) of freed blocks, which glibc reads only
// from the environment (GLIBC_TUNABLES) when a process starts: the process sets it and executes itself again.
#pragma once

namespace modelmux::app {

// Returns only when nothing needs doing (GLIBC_TUNABLES is already set, by an operator or by the first
// execution) or the re-execution failed (the gateway then runs with glibc's defaults); otherwise the process
// image is replaced.
void tune_malloc(char** argv);

}  // namespace modelmux::app
