#pragma once

#include <string_view>

namespace lc::core {

// True when the IP address `address` ("203.0.113.5", "2001:db8::1") is `pattern`: the same
// address, or inside it when it is a network in CIDR form ("10.0.0.0/8", "fd00::/8"). Anything
// unparsable matches nothing. For --trusted-proxies, where a container's or a pod's proxy has an
// address from a range rather than a fixed one.
bool address_matches(std::string_view address, std::string_view pattern);

}  // namespace lc::core
