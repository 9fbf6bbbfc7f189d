#pragma once

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"
#include "modelmux/gateway.hpp"
