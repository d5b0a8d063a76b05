#include <gtest/gtest.h>

#include "nkey.hpp"

using namespace alphapulse;

TEST(NatsNKey, PublicKeyFromTheDocumentedSeed) {
    // The user key pair of the NATS server documentation (nkey authentication).
    std::string why;
    const auto pub = nats::nkeyPublicFromSeed("SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY", why);
    ASSERT_TRUE(pub) << why;
    EXPECT_EQ(*pub, "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4");
}

TEST(NatsNKey, EncodedSeedsRoundTripAndBadSeedsAreRefused) {
    std::array<std::uint8_t, 32> raw{};
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7 + 1);
    const auto seed = nats::nkeyEncodeUserSeed(raw);
    EXPECT_EQ(seed.size(), 58u);
    EXPECT_TRUE(seed.starts_with("SU"));
    std::string why;
    const auto pub = nats::nkeyPublicFromSeed(seed, why);
    ASSERT_TRUE(pub) << why;
    EXPECT_EQ(pub->size(), 56u);
    EXPECT_TRUE(pub->starts_with("U"));
    auto corrupt = seed;
    corrupt[10] = corrupt[10] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(nats::nkeyPublicFromSeed(corrupt, why));
    EXPECT_NE(why.find("checksum"), std::string::npos);
    EXPECT_FALSE(nats::nkeyPublicFromSeed("SUshort", why));
    EXPECT_FALSE(nats::nkeyPublicFromSeedFile("/nonexistent/seed", why));
}
