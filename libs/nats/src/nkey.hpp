#pragma once
// NATS NKeys (user keys): nats.c signs the server's nonce with the seed but
// needs the public key too, which it cannot derive; this derives it (the
// key's Ed25519 public half, in NATS's base32 encoding with a CRC-16).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace alphapulse::nats {

/// "U..." (56 characters) from a user seed "SU..." (58 characters).
[[nodiscard]] std::optional<std::string> nkeyPublicFromSeed(std::string_view seed, std::string& why);
/// The same from a file holding the seed (alone, or inside a creds-style file).
[[nodiscard]] std::optional<std::string> nkeyPublicFromSeedFile(const std::string& path, std::string& why);
/// Encodes 32 random bytes as a user seed (tests make key pairs with it).
[[nodiscard]] std::string nkeyEncodeUserSeed(const std::array<std::uint8_t, 32>& raw);

} // namespace alphapulse::nats
