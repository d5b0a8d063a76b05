-- ===================== engine (tools/wireshark/dissector_engine.lua) =====================
-- Hand-written: walks the generated AP tables above, so that no layout, offset or
-- enumeration is written here. Tree shape (field abbreviations end with the names
-- `alphapulse decode` uses as JSON keys, which test/wireshark relies on):
--   alphapulse.header.*            the 32-byte header, checksum verified (checksum_status)
--   alphapulse.<message>.<field>   fixed fields, in wire order; padding only when not zero
--   alphapulse.instrument.*        venue, asset_type, reserved (when set), asset_id, text
--   alphapulse.levels.bids/asks    OrderBook levels (alphapulse.level.price/size)
--   alphapulse.discovery.symbol / .metadata   discovery symbol and metadata entries
--   alphapulse.tlv                 DeFiSignal extensions; alphapulse.data: opaque payloads

local bitops = bit32 or bit -- Lua 5.2's bit32; Wireshark also ships the BitOp "bit" module
local band, bxor, rshift = bitops.band, bitops.bxor, bitops.rshift

local proto = Proto("alphapulse", "alphapulse wire protocol")
local F = {}         -- abbreviation -> ProtoField
local field_list = {}

local function kind_of(type_name) return type_name:match("^[%a%d]+") end

-- `vs`: value names (a table number -> name) or nil.
local function new_field(abbr, label, type_name, vs, display)
    local kind = kind_of(type_name)
    local pf
    if kind == "u8" then pf = ProtoField.uint8(abbr, label, display or base.DEC, vs)
    elseif kind == "u16" then pf = ProtoField.uint16(abbr, label, display or base.DEC, vs)
    elseif kind == "u32" then pf = ProtoField.uint32(abbr, label, display or base.DEC, vs)
    elseif kind == "u64" then pf = ProtoField.uint64(abbr, label, base.DEC)
    elseif kind == "i8" then pf = ProtoField.int8(abbr, label, base.DEC)
    elseif kind == "i16" then pf = ProtoField.int16(abbr, label, base.DEC)
    elseif kind == "i32" then pf = ProtoField.int32(abbr, label, base.DEC)
    elseif kind == "i64" then pf = ProtoField.int64(abbr, label, base.DEC)
    elseif kind == "u128" or kind == "i128" or kind == "text" then pf = ProtoField.string(abbr, label, base.UNICODE)
    elseif kind == "none" then pf = ProtoField.none(abbr, label)
    else pf = ProtoField.bytes(abbr, label) end -- InstrumentId (a subtree), bytes[N], pad[N]
    F[abbr] = pf
    field_list[#field_list + 1] = pf
    return pf
end

-- Fields of a table of descriptors, under "<prefix><name>"; kinds cached on the descriptors.
local function register_fields(prefix, fields)
    for _, f in ipairs(fields) do
        f.kind = kind_of(f.type)
        f.abbr = prefix .. f.name
        new_field(f.abbr, f.name, f.type, AP.enums[f.enum or ""])
    end
end

local function names_of(layouts)
    local out = {}
    for number, layout in pairs(layouts) do out[number] = layout.name end
    return out
end

-- ---- registration of every field ----

for _, f in ipairs(AP.header) do
    f.kind = kind_of(f.type)
    f.abbr = "alphapulse.header." .. f.name
    local hex = (f.name == "magic" or f.name == "checksum") and base.HEX or nil
    new_field(f.abbr, f.name, f.type, AP.enums[f.enum or ""], hex)
end
new_field("alphapulse.header", "header", "none")
new_field("alphapulse.header.checksum_status", "checksum_status", "u8", { [0] = "Bad", [1] = "Good" })

local asset_type_names = {}
for number, t in pairs(AP.asset_types) do asset_type_names[number] = t.name end
new_field("alphapulse.instrument.venue", "venue", "u16", AP.enums.VenueId)
new_field("alphapulse.instrument.asset_type", "asset_type", "u8", asset_type_names)
new_field("alphapulse.instrument.reserved", "reserved", "u8")
new_field("alphapulse.instrument.asset_id", "asset_id", "u64")
new_field("alphapulse.instrument.text", "text", "text")

for _, layout in pairs(AP.messages) do
    register_fields("alphapulse." .. layout.name:lower() .. ".", layout.fields)
    layout.by_name = {}
    for _, f in ipairs(layout.fields) do layout.by_name[f.name] = f end
end
AP.enums.ExtensionType = names_of(AP.extensions)
AP.enums.MetadataType = names_of(AP.discovery_meta)
AP.enums.MetadataType[AP.DISCOVERY_NAME_META] = "Name"
for _, layout in pairs(AP.extensions) do register_fields("alphapulse.tlv." .. layout.name:lower() .. ".", layout.fields) end
for _, layout in pairs(AP.discovery_meta) do
    register_fields("alphapulse.meta." .. layout.name:lower() .. ".", layout.fields)
end

new_field("alphapulse.levels.bids", "bids", "none")
new_field("alphapulse.levels.asks", "asks", "none")
new_field("alphapulse.level", "level", "none")
new_field("alphapulse.level.price", "price", "i64")
new_field("alphapulse.level.size", "size", "u64")
new_field("alphapulse.discovery.symbol", "symbol", "text")
new_field("alphapulse.discovery.metadata", "metadata", "none")
new_field("alphapulse.tlv", "tlv", "none")
for _, group in ipairs({ { "tlv", AP.enums.ExtensionType }, { "meta", AP.enums.MetadataType } }) do
    local p = "alphapulse." .. group[1]
    new_field(p .. ".entry", "entry", "none")
    new_field(p .. ".type", "type", "u8", group[2])
    new_field(p .. ".length", "length", "u8")
    new_field(p .. ".data", "data", "bytes")
end
new_field("alphapulse.meta.name", "name", "text")
new_field("alphapulse.data", "data", "bytes")
proto.fields = field_list

local E = {
    bad_magic = ProtoExpert.new("alphapulse.bad_magic", "bad_magic: not at a frame boundary", expert.group.MALFORMED,
        expert.severity.ERROR),
    bad_checksum = ProtoExpert.new("alphapulse.bad_checksum", "bad_checksum", expert.group.CHECKSUM,
        expert.severity.ERROR),
    unknown_type = ProtoExpert.new("alphapulse.unknown_type", "unknown_type or unknown_version: no built-in layout",
        expert.group.UNDECODED, expert.severity.WARN),
    bad_size = ProtoExpert.new("alphapulse.bad_size", "bad_size / bad_length: payload_size disagrees with the layout",
        expert.group.MALFORMED, expert.severity.ERROR),
    bad_tlv = ProtoExpert.new("alphapulse.bad_tlv", "bad_tlv", expert.group.MALFORMED, expert.severity.ERROR),
    truncated = ProtoExpert.new("alphapulse.truncated", "truncated frame", expert.group.MALFORMED, expert.severity.ERROR),
    padding = ProtoExpert.new("alphapulse.padding", "padding is not zero", expert.group.PROTOCOL, expert.severity.NOTE),
}
proto.experts = { E.bad_magic, E.bad_checksum, E.unknown_type, E.bad_size, E.bad_tlv, E.truncated, E.padding }

proto.prefs.tcp_ports = Pref.range("TCP ports", "", "TCP ports of alphapulse relays (frames back to back)", 65535)
proto.prefs.heuristic = Pref.bool("Heuristic on TCP", true,
    "Recognise alphapulse on any TCP port by the magic and a known message type")
proto.prefs.verify_checksum = Pref.bool("Verify checksums", true, "Compute the CRC-32 of every frame")
proto.prefs.max_payload = Pref.uint("Maximum payload_size", AP.DEFAULT_MAX_PAYLOAD,
    "Larger payload_size values are framing errors, as for a relay")

-- ---- values ----

local CRC_TABLE = {}
for i = 0, 255 do
    local c = i
    for _ = 1, 8 do c = (band(c, 1) ~= 0) and bxor(0xEDB88320, rshift(c, 1)) or rshift(c, 1) end
    CRC_TABLE[i] = c
end

local function crc32_update(crc, s, first, last)
    for k = first, last do crc = bxor(CRC_TABLE[band(bxor(crc, s:byte(k)), 0xFF)], rshift(crc, 8)) end
    return crc
end

-- Section 3: bytes 0..27, then 32..end.
local function frame_checksum(s)
    local crc = crc32_update(0xFFFFFFFF, s, 1, AP.CHECKSUM_OFFSET)
    return bxor(crc32_update(crc, s, AP.HEADER_SIZE + 1, #s), 0xFFFFFFFF)
end

local function all_zero(s) return s:find("[^%z]") == nil end

local function le_number(s, at, size) -- up to 4 bytes, exact in a Lua number
    local v = 0
    for k = at + size - 1, at, -1 do v = v * 256 + s:byte(k) end
    return v
end

-- A u128/i128 (16 little-endian bytes) in decimal, as `alphapulse decode` prints it.
local function decimal128(s, signed)
    local b = {}
    for i = 1, 16 do b[i] = s:byte(17 - i) end -- most significant first
    local negative = signed and b[1] >= 128
    if negative then
        local carry = 1
        for i = 16, 1, -1 do
            local v = 255 - b[i] + carry
            b[i], carry = v % 256, math.floor(v / 256)
        end
    end
    local digits = {}
    repeat
        local rem, more = 0, false
        for i = 1, 16 do
            local cur = rem * 256 + b[i]
            b[i], rem = math.floor(cur / 10), cur % 10
            more = more or b[i] ~= 0
        end
        digits[#digits + 1] = tostring(rem)
    until not more
    return (negative and "-" or "") .. string.reverse(table.concat(digits))
end

local function text_value(s) return (s:match("^[^%z]*")) end

-- ---- InstrumentId text (PROTOCOL.md sections 4.3-4.7) ----

local SYMBOL_VENUE_KINDS = { stock_exchange = true, crypto_exchange = true, broker = true }
local ADDRESS_VENUE_KIND = { Token = "chain", Pool = "dex" }

local function ascii_symbol(id) -- id[1] is the least significant byte of asset_id
    local out, ended = {}, false
    for j = 8, 1, -1 do
        local c = id[j]
        if c == 0 then ended = true
        elseif ended or c < 0x20 or c > 0x7E then return nil
        else out[#out + 1] = string.char(c) end
    end
    return #out > 0 and table.concat(out) or nil
end

local function packed_symbol(id)
    if id[8] >= 16 then return nil end -- bits 63..60 must be zero
    local function bit_at(k) return math.floor(id[math.floor(k / 8) + 1] / 2 ^ (k % 8)) % 2 end
    local out, ended = {}, false
    for shift = 54, 0, -6 do
        local code = 0
        for b = 5, 0, -1 do code = code * 2 + bit_at(shift + b) end
        if code == 0 then ended = true
        elseif ended or code > #AP.SYMBOL_ALPHABET then return nil
        else out[#out + 1] = AP.SYMBOL_ALPHABET:sub(code, code) end
    end
    return #out > AP.MAX_ASCII_SYMBOL and table.concat(out) or nil -- short symbols are always ASCII-packed
end

local function instrument_text(s)
    local venue, asset_type, reserved = le_number(s, 1, 2), s:byte(3), s:byte(4)
    local id = { s:byte(5, 12) }
    local hex = string.format("0x" .. string.rep("%02x", 8), id[8], id[7], id[6], id[5], id[4], id[3], id[2], id[1])
    local venue_name, kind, t = AP.enums.VenueId[venue], AP.venue_kinds[venue], AP.asset_types[asset_type]
    local rest
    if venue_name and reserved == 0 and t then
        if t.symbol then
            rest = SYMBOL_VENUE_KINDS[kind] and (t.packed and packed_symbol(id) or (not t.packed and ascii_symbol(id)))
        elseif ADDRESS_VENUE_KIND[t.name] == kind then
            rest = hex
        end
    end
    if not rest then return string.format("Unknown venue=%d asset_type=%d asset_id=%s", venue, asset_type, hex) end
    return venue_name .. " " .. t.name .. " " .. rest
end

local function add_instrument(tree, pf, label, range)
    local s = range:raw()
    local text = instrument_text(s)
    local sub = tree:add(pf, range)
    sub:set_text(label .. ": " .. text)
    sub:add_le(F["alphapulse.instrument.venue"], range(0, 2))
    sub:add(F["alphapulse.instrument.asset_type"], range(2, 1))
    if s:byte(4) ~= 0 then sub:add(F["alphapulse.instrument.reserved"], range(3, 1)) end
    sub:add_le(F["alphapulse.instrument.asset_id"], range(4, 8))
    sub:add(F["alphapulse.instrument.text"], range, text):set_generated()
    return text
end

-- ---- trees ----

-- Adds descriptors' fields at tvb offset `at` (their offsets count from there).
-- Returns the text of the first InstrumentId, for the Info column.
local function add_fields(tree, tvb, at, fields)
    local first_id
    for _, f in ipairs(fields) do
        local range = tvb(at + f.offset, f.size)
        local pf = F[f.abbr]
        if f.kind == "pad" then
            if not all_zero(range:raw()) then tree:add(pf, range):add_proto_expert_info(E.padding) end
        elseif f.kind == "InstrumentId" then
            local text = add_instrument(tree, pf, f.name, range)
            first_id = first_id or text
        elseif f.kind == "text" then
            tree:add(pf, range, text_value(range:raw()))
        elseif f.kind == "u128" or f.kind == "i128" then
            tree:add(pf, range, decimal128(range:raw(), f.kind == "i128"))
        elseif f.kind == "bytes" then
            tree:add(pf, range)
        else
            tree:add_le(pf, range)
        end
    end
    return first_id
end

-- TLV entries (section 7.3; discovery metadata, 7.2) in tvb[first, last).
local function add_entries(tree, tvb, first, last, group, layouts)
    local p = "alphapulse." .. group
    local pos = first
    while pos < last do
        if last - pos < AP.TLV_HEADER_SIZE or last - pos - AP.TLV_HEADER_SIZE < tvb(pos + 1, 1):uint() then
            tree:add(F[p .. ".data"], tvb(pos, last - pos)):add_proto_expert_info(E.bad_tlv)
            return
        end
        local type, length = tvb(pos, 1):uint(), tvb(pos + 1, 1):uint()
        local entry = tree:add(F[p .. ".entry"], tvb(pos, AP.TLV_HEADER_SIZE + length))
        entry:append_text(string.format(": %s (type %d, %d bytes)", AP.enums[group == "tlv" and "ExtensionType" or
            "MetadataType"][type] or "unknown", type, length))
        entry:add(F[p .. ".type"], tvb(pos, 1))
        entry:add(F[p .. ".length"], tvb(pos + 1, 1))
        local layout = layouts[type]
        local value = length > 0 and tvb(pos + AP.TLV_HEADER_SIZE, length) or tvb(pos, 0)
        if layout and layout.length == length then
            add_fields(entry, tvb, pos, layout.fields)
        elseif group == "meta" and type == AP.DISCOVERY_NAME_META then
            entry:add(F["alphapulse.meta.name"], value, value:raw())
        else
            entry:add(F[p .. ".data"], value)
            if layout then entry:add_proto_expert_info(E.bad_tlv) end
        end
        pos = pos + AP.TLV_HEADER_SIZE + length
    end
end

local function add_levels(tree, tvb, at, count, abbr)
    local list = tree:add(F[abbr], tvb(at, count * AP.BOOK_LEVEL_SIZE))
    list:append_text(string.format(" (%d)", count))
    for i = 0, count - 1 do
        local range = tvb(at + i * AP.BOOK_LEVEL_SIZE, AP.BOOK_LEVEL_SIZE)
        local level = list:add(F["alphapulse.level"], range)
        level:add_le(F["alphapulse.level.price"], range(0, 8))
        level:add_le(F["alphapulse.level.size"], range(8, 8))
    end
end

local function rule_value(layout, tvb, index)
    local f = layout.by_name[layout.rule_fields[index]]
    return le_number(tvb(f.offset, f.size):raw(), 1, f.size)
end

-- The variable part after the fixed part, by the layout's size rule (section 6).
local function add_tail(tree, tvb, layout)
    local size, len = layout.size, tvb:len()
    local rest = len - size
    if layout.rule == "none" then
        if rest ~= 0 then tree:add_proto_expert_info(E.bad_size) end
    elseif layout.rule == "opaque" then
        tree:add(F["alphapulse.data"], tvb(size, rest))
    elseif layout.rule == "levels" then
        local bids, asks = rule_value(layout, tvb, 1), rule_value(layout, tvb, 2)
        if (bids + asks) * AP.BOOK_LEVEL_SIZE ~= rest then return tree:add_proto_expert_info(E.bad_size) end
        add_levels(tree, tvb, size, bids, "alphapulse.levels.bids")
        add_levels(tree, tvb, size + bids * AP.BOOK_LEVEL_SIZE, asks, "alphapulse.levels.asks")
    elseif layout.rule == "discovery" then
        local symbol_len, metadata_len = rule_value(layout, tvb, 1), rule_value(layout, tvb, 2)
        if symbol_len + metadata_len ~= rest then return tree:add_proto_expert_info(E.bad_size) end
        tree:add(F["alphapulse.discovery.symbol"], tvb(size, symbol_len), tvb(size, symbol_len):raw())
        local meta = tree:add(F["alphapulse.discovery.metadata"], tvb(size + symbol_len, metadata_len))
        add_entries(meta, tvb, size + symbol_len, len, "meta", AP.discovery_meta)
    elseif layout.rule == "tlv" then
        local tlv_offset, tlv_length = rule_value(layout, tvb, 1), rule_value(layout, tvb, 2)
        if tlv_offset ~= size then tree:add_proto_expert_info(E.bad_tlv) end
        if tlv_length ~= rest then tree:add_proto_expert_info(E.bad_size) end
        add_entries(tree:add(F["alphapulse.tlv"], tvb(size, rest)), tvb, size, len, "tlv", AP.extensions)
    end
end

local function add_header(tree, tvb, s)
    local h = tree:add(F["alphapulse.header"], tvb(0, AP.HEADER_SIZE))
    for _, f in ipairs(AP.header) do h:add_le(F[f.abbr], tvb(f.offset, f.size)) end
    if not proto.prefs.verify_checksum then return end
    local good = frame_checksum(s) == le_number(s, AP.CHECKSUM_OFFSET + 1, 4)
    local status = h:add(F["alphapulse.header.checksum_status"], tvb(AP.CHECKSUM_OFFSET, 4), good and 1 or 0)
    status:set_generated()
    if not good then status:add_proto_expert_info(E.bad_checksum) end
end

-- One whole frame (or what there is of it) in `tvb`.
local function dissect_frame(tvb, pinfo, root)
    local len = tvb:len()
    local tree = root:add(proto, tvb())
    if len < AP.HEADER_SIZE or tvb(0, 4):le_uint() ~= AP.MAGIC then
        tree:add_proto_expert_info(len < AP.HEADER_SIZE and E.truncated or E.bad_magic)
        return len
    end
    local s = tvb:raw(0, len)
    local type, version = s:byte(5), s:byte(6)
    local layout = AP.messages[type]
    local name = AP.enums.MessageType[type] or ("type " .. type)
    tree:append_text(", " .. name)
    local info = name .. " seq=" .. tostring(tvb(12, 8):le_uint64())
    if len < AP.HEADER_SIZE + le_number(s, AP.PAYLOAD_SIZE_OFFSET + 1, 4) then
        add_header(tree, tvb, s)
        tree:add_proto_expert_info(E.truncated)
    else
        add_header(tree, tvb, s)
        if not layout or layout.version ~= version then
            tree:add_proto_expert_info(E.unknown_type)
            tree:add(F["alphapulse.data"], tvb(AP.HEADER_SIZE, len - AP.HEADER_SIZE))
        elseif len < layout.size then
            tree:add_proto_expert_info(E.bad_size)
        else
            local id = add_fields(tree, tvb, 0, layout.fields)
            if id then info = info .. " " .. id end
            add_tail(tree, tvb, layout)
        end
    end
    if tostring(pinfo.cols.protocol) ~= "alphapulse" then
        pinfo.cols.protocol = "alphapulse"
        pinfo.cols.info = info
    else
        pinfo.cols.info:append(", " .. info)
    end
    return len
end

-- How long the frame at `offset` is (header included; 32 bytes readable); a bad
-- magic or an impossible payload_size takes the rest, as a relay gives up there.
local function frame_length(tvb, pinfo, offset)
    local available = tvb:len() - offset
    if tvb(offset, 4):le_uint() ~= AP.MAGIC then return available end
    local payload = tvb(offset + AP.PAYLOAD_SIZE_OFFSET, 4):le_uint()
    if payload > proto.prefs.max_payload then return available end
    return AP.HEADER_SIZE + payload
end

-- Frames back to back. With `reassemble` (over TCP), a frame that does not
-- end in this segment asks TCP for the bytes it lacks (desegment_offset/len),
-- so frames split across segments are reassembled and a segment holding many
-- is split; elsewhere (the exported PDUs of `alphapulse export-pcap`) the
-- buffer holds whole frames and a short one is shown as truncated.
local function dissect_stream(tvb, pinfo, tree, reassemble)
    local offset, len = 0, tvb:len()
    while offset < len do
        local available = len - offset
        local need = available >= AP.HEADER_SIZE and frame_length(tvb, pinfo, offset) or nil
        if reassemble and (need == nil or need > available) then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = need and need - available or DESEGMENT_ONE_MORE_SEGMENT
            return len
        end
        local n = math.min(need or available, available)
        dissect_frame(tvb(offset, n):tvb(), pinfo, tree)
        offset = offset + n
    end
    return len
end

function proto.dissector(tvb, pinfo, tree)
    return dissect_stream(tvb, pinfo, tree, pinfo.can_desegment > 0)
end

local function heuristic(tvb, pinfo, tree)
    -- The magic alone decides a short first segment; type and payload_size are checked when present.
    if not proto.prefs.heuristic or tvb:len() < 4 or tvb(0, 4):le_uint() ~= AP.MAGIC then return false end
    local type = tvb:len() > 4 and tvb(4, 1):uint()
    if type and AP.messages[type] == nil and type <= 200 then return false end -- 201-255: run-time schemas
    if tvb:len() >= 12 and tvb(8, 4):le_uint() > proto.prefs.max_payload then return false end
    pinfo.conversation = proto
    -- Reassemble from the first segment on: TCP has lowered can_desegment
    -- to 0 by the time a Lua heuristic runs, yet honours desegment_len.
    dissect_stream(tvb, pinfo, tree, true)
    return true
end
proto:register_heuristic("tcp", heuristic)

local registered_ports = ""
local function register_ports()
    local tcp = DissectorTable.get("tcp.port")
    if registered_ports ~= "" then tcp:remove(registered_ports, proto) end
    registered_ports = tostring(proto.prefs.tcp_ports)
    if registered_ports ~= "" then tcp:add(registered_ports, proto) end
end
proto.prefs_changed = register_ports
register_ports()
