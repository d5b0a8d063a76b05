// alphapulse_test_peer: one of peer.cpp's modes as its own process.
#include <string>
#include <vector>

#include "peer.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string output;
    return alphapulse::test::runPeer(args, output, /*echo=*/true);
}
