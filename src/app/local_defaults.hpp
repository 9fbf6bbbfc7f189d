// What `modelmux serve` runs without a configuration file: the built-in defaults plus the local providers
// found on this machine (an Ollama at 127.0.0.1:11434, or at OLLAMA_HOST).
#pragma once

#include "config/config.hpp"

namespace modelmux::app {

config::Config discover_defaults();

}  // namespace modelmux::app
