#include "nkey.hpp"

#include <crypto++/xed25519.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace alphapulse::nats {
namespace {

constexpr std::uint8_t PREFIX_SEED = 18 << 3; // 'S'
constexpr std::uint8_t PREFIX_USER = 20 << 3; // 'U'
constexpr std::string_view ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::uint16_t crc16(const std::uint8_t* data, std::size_t size) {
    // CRC-16/XMODEM, as NKeys use it.
    unsigned crc = 0;
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= static_cast<unsigned>(data[i]) << 8U;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 0x8000U) != 0 ? ((crc << 1U) ^ 0x1021U) : (crc << 1U);
            crc &= 0xFFFFU;
        }
    }
    return static_cast<std::uint16_t>(crc);
}

std::string base32(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const auto b : bytes) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 5) {
            out.push_back(ALPHABET[(buffer >> (bits - 5)) & 31U]);
            bits -= 5;
        }
    }
    if (bits > 0) out.push_back(ALPHABET[(buffer << (5 - bits)) & 31U]);
    return out;
}

std::optional<std::vector<std::uint8_t>> unbase32(std::string_view text) {
    std::vector<std::uint8_t> out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const auto at = ALPHABET.find(c);
        if (at == std::string_view::npos) return std::nullopt;
        buffer = (buffer << 5) | static_cast<unsigned>(at);
        bits += 5;
        if (bits >= 8) {
            out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
            bits -= 8;
        }
    }
    return out;
}

std::vector<std::uint8_t> withCrc(std::vector<std::uint8_t> raw) {
    const auto crc = crc16(raw.data(), raw.size());
    raw.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    raw.push_back(static_cast<std::uint8_t>(crc >> 8));
    return raw;
}

} // namespace

std::optional<std::string> nkeyPublicFromSeed(std::string_view seed, std::string& why) {
    const auto raw = unbase32(seed);
    if (!raw || raw->size() != 36) {
        why = "not an NKey seed (expected 58 base32 characters starting with SU)";
        return std::nullopt;
    }
    const auto crc = static_cast<std::uint16_t>((*raw)[34] | ((*raw)[35] << 8));
    if (crc16(raw->data(), 34) != crc) {
        why = "the seed's checksum is wrong";
        return std::nullopt;
    }
    const std::uint8_t b1 = (*raw)[0] & 248U;
    const auto type = static_cast<std::uint8_t>((((*raw)[0] & 7U) << 5) | (((*raw)[1] & 248U) >> 3));
    if (b1 != PREFIX_SEED || type != PREFIX_USER) {
        why = "not a user seed (SU...)";
        return std::nullopt;
    }
    const CryptoPP::ed25519Signer signer(raw->data() + 2);
    const auto& key = dynamic_cast<const CryptoPP::ed25519PrivateKey&>(signer.GetPrivateKey());
    std::vector<std::uint8_t> pub{PREFIX_USER};
    pub.insert(pub.end(), key.GetPublicKeyBytePtr(), key.GetPublicKeyBytePtr() + 32);
    return base32(withCrc(std::move(pub)));
}

std::optional<std::string> nkeyPublicFromSeedFile(const std::string& path, std::string& why) {
    std::ifstream in(path);
    if (!in) {
        why = "cannot read the file";
        return std::nullopt;
    }
    std::string word;
    while (in >> word) {
        if (word.size() == 58 && word.starts_with("SU")) return nkeyPublicFromSeed(word, why);
    }
    why = "no user seed (SU...) in the file";
    return std::nullopt;
}

std::string nkeyEncodeUserSeed(const std::array<std::uint8_t, 32>& raw) {
    std::vector<std::uint8_t> bytes;
    bytes.push_back(static_cast<std::uint8_t>(PREFIX_SEED | (PREFIX_USER >> 5)));
    bytes.push_back(static_cast<std::uint8_t>((PREFIX_USER & 31U) << 3));
    bytes.insert(bytes.end(), raw.begin(), raw.end());
    return base32(withCrc(std::move(bytes)));
}

} // namespace alphapulse::nats
