// data/samples/market_data.apcap is what `alphapulse-collector --write-capture`
// makes of the sample CSVs: the same frames, receive time = recorded time.
// A pool discovery carries the time it was built, so its timestamp (and the
// checksum over it) is the only thing allowed to differ.
#include <gtest/gtest.h>

#include <algorithm>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/samples/sample_data.hpp"
#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"

namespace alphapulse {
namespace {

using Frame = std::vector<std::uint8_t>;

/// The frame with its timestamp and checksum zeroed when it is a discovery.
Frame comparable(Frame f) {
    const auto type = f[wire::header::MESSAGE_TYPE_OFFSET];
    if (type == 10 || type == 11) std::fill(f.begin() + 20, f.begin() + 32, 0); // InstrumentDiscovered, PoolDiscovered
    return f;
}

TEST(SamplesCapture, HoldsExactlyTheFramesOfTheSampleCsvs) {
    const std::filesystem::path dir = ALPHAPULSE_SAMPLES_DIR;
    auto csv = samples::loadSampleFrames(dir);
    auto uniswap = samples::loadUniswapV2Swaps(dir / "uniswap_v2_usdc_weth_reserves.csv");
    std::vector<Frame> expected;
    for (auto& f : csv.frames) expected.push_back(comparable(f));
    for (auto& f : uniswap.frames) expected.push_back(comparable(f));

    auto opened = capture::Reader::open(dir / "market_data.apcap");
    ASSERT_TRUE(opened) << opened.error().describe();
    auto& reader = *opened.value();
    EXPECT_EQ(reader.header().domain, 1);
    EXPECT_TRUE(reader.damage().empty());
    std::vector<Frame> got;
    capture::FrameRecord record;
    std::uint64_t previous = 0;
    while (reader.next(record)) {
        Frame f(record.frame.begin(), record.frame.end());
        const auto type = f[wire::header::MESSAGE_TYPE_OFFSET];
        if (type != 10 && type != 11) {
            EXPECT_EQ(record.receiveTimeNs, wire::loadLe<std::uint64_t>(f.data() + wire::header::TIMESTAMP_OFFSET));
        }
        EXPECT_GE(record.receiveTimeNs, previous);
        previous = record.receiveTimeNs;
        got.push_back(comparable(std::move(f)));
    }
    ASSERT_TRUE(reader.error().ok());
    // The capture is in recorded-time order, the CSV loaders per feed: compare as multisets.
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_TRUE(got == expected);
}

} // namespace
} // namespace alphapulse
