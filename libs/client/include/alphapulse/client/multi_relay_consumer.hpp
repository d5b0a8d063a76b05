#pragma once
// Deprecated: MultiRelayConsumer is MultiBusConsumer. This header and the
// alias go in the next release.
#include "alphapulse/client/multi_bus_consumer.hpp"

namespace alphapulse::client {

using MultiRelayConsumer [[deprecated("renamed alphapulse::client::MultiBusConsumer (alphapulse/client/multi_bus_consumer.hpp)")]] =
    MultiBusConsumer;

} // namespace alphapulse::client
