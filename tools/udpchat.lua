-- Wireshark dissector for udpchat, protocol version 2 (docs/PROTOCOL.md).
--
--   wireshark -X lua_script:tools/udpchat.lua
--   tshark -X lua_script:tools/udpchat.lua -r chat.pcap -V
--   tshark -X lua_script:tools/udpchat.lua -o udpchat.port:10000 -r chat.pcap   (another port)
--
-- Every frame is one JSON object per datagram: {"udpchat":2,"type":"msg",...}. Frames are found
-- by their first bytes on any UDP port (a heuristic); on the chat port (9999 unless set) and the
-- discovery port (9998) anything else is the original tutorial's plain text, shown as such.
-- Fields carry the names the protocol document gives them: filter with udpchat.type == "ack",
-- udpchat.n == 12, udpchat.seq, udpchat.nick, udpchat.text …

local udpchat = Proto("udpchat", "udpchat chat protocol")

udpchat.prefs.port = Pref.uint("Chat port", 9999, "The server's UDP port (--port)")

-- Numbers a reader compares and filters on; everything else is shown as text.
local NUMBERS = { n = true, seq = true, last = true, port = true, t = true, time = true }

local FIELD_NAMES = {
  "udpchat", "type", "token", "n", "seq", "sack", "session", "cookie", "salt", "proof", "pad",
  "nick", "nicks", "from", "to", "text", "id", "more", "time", "t", "reason", "action",
  "minutes", "rate", "burst", "members", "roster", "history", "back", "code", "message",
  "room", "epoch", "last", "heartbeat", "next", "timeout", "topic", "box", "nonce", "name", "port",
  "frames",
}

local fields = {}
for _, name in ipairs(FIELD_NAMES) do
  local label = name == "udpchat" and "Version" or name
  if name == "time" or name == "t" then
    fields[name] = ProtoField.double("udpchat." .. name, label)
  elseif NUMBERS[name] then
    fields[name] = ProtoField.uint32("udpchat." .. name, label, base.DEC)
  elseif name == "udpchat" then
    fields[name] = ProtoField.uint8("udpchat.version", label, base.DEC)
  else
    fields[name] = ProtoField.string("udpchat." .. name, label)
  end
end
fields.direction = ProtoField.string("udpchat.direction", "Direction")
fields.legacy = ProtoField.string("udpchat.legacy", "Plain-text line (legacy member)")
fields.unknown = ProtoField.string("udpchat.unknown", "Unknown field")
fields.bundled = ProtoField.string("udpchat.bundled", "Bundled frame")

local field_list = {}
for _, field in pairs(fields) do table.insert(field_list, field) end
udpchat.fields = field_list

local malformed = ProtoExpert.new("udpchat.malformed", "Not a udpchat frame (bad JSON)",
  expert.group.MALFORMED, expert.severity.WARN)
udpchat.experts = { malformed }

-- A small JSON reader: objects, arrays, strings (escapes and \u included), numbers, literals.
local function utf8_char(code)
  if code < 0x80 then return string.char(code) end
  if code < 0x800 then
    return string.char(0xC0 + math.floor(code / 0x40), 0x80 + code % 0x40)
  end
  if code < 0x10000 then
    return string.char(0xE0 + math.floor(code / 0x1000), 0x80 + math.floor(code / 0x40) % 0x40,
      0x80 + code % 0x40)
  end
  return string.char(0xF0 + math.floor(code / 0x40000), 0x80 + math.floor(code / 0x1000) % 0x40,
    0x80 + math.floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

local ESCAPES = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function skip(text, i)
  return text:find("[^ \t\r\n]", i) or #text + 1
end

local parse_value

local function parse_string(text, i)
  local out, j = {}, i + 1
  while j <= #text do
    local c = text:sub(j, j)
    if c == '"' then return table.concat(out), j + 1 end
    if c == "\\" then
      local e = text:sub(j + 1, j + 1)
      if e == "u" then
        local code = tonumber(text:sub(j + 2, j + 5), 16)
        if not code then return nil end
        j = j + 6
        if code >= 0xD800 and code < 0xDC00 and text:sub(j, j + 1) == "\\u" then
          local low = tonumber(text:sub(j + 2, j + 5), 16)
          if low then
            code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
            j = j + 6
          end
        end
        table.insert(out, utf8_char(code))
      else
        table.insert(out, ESCAPES[e] or e)
        j = j + 2
      end
    else
      table.insert(out, c)
      j = j + 1
    end
  end
  return nil
end

function parse_value(text, i)
  i = skip(text, i)
  local c = text:sub(i, i)
  if c == "{" then
    local object, keys = {}, {}
    i = skip(text, i + 1)
    if text:sub(i, i) == "}" then return { object = object, keys = keys }, i + 1 end
    while true do
      if text:sub(i, i) ~= '"' then return nil end
      local key
      key, i = parse_string(text, i)
      if not key then return nil end
      i = skip(text, i)
      if text:sub(i, i) ~= ":" then return nil end
      local value
      value, i = parse_value(text, i + 1)
      if i == nil then return nil end
      object[key] = value
      table.insert(keys, key)
      i = skip(text, i)
      local sep = text:sub(i, i)
      if sep == "}" then return { object = object, keys = keys }, i + 1 end
      if sep ~= "," then return nil end
      i = skip(text, i + 1)
    end
  elseif c == "[" then
    local array = {}
    i = skip(text, i + 1)
    if text:sub(i, i) == "]" then return { array = array }, i + 1 end
    while true do
      local value
      value, i = parse_value(text, i)
      if i == nil then return nil end
      table.insert(array, value)
      i = skip(text, i)
      local sep = text:sub(i, i)
      if sep == "]" then return { array = array }, i + 1 end
      if sep ~= "," then return nil end
      i = i + 1
    end
  elseif c == '"' then
    return parse_string(text, i)
  else
    local literal = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if literal and #literal > 0 then return tonumber(literal), i + #literal end
    for word, value in pairs({ ["true"] = true, ["false"] = false, ["null"] = "null" }) do
      if text:sub(i, i + #word - 1) == word then return value, i + #word end
    end
    return nil
  end
end

-- A value as text: lists joined, objects left as "{…}".
local function show(value)
  if type(value) == "table" then
    if value.array then
      local parts = {}
      for _, item in ipairs(value.array) do table.insert(parts, show(item)) end
      return "[" .. table.concat(parts, ", ") .. "]"
    end
    return "{…}"
  end
  if type(value) == "number" and value == math.floor(value) then
    return string.format("%d", value)
  end
  return tostring(value)
end

local function quote(text)
  if #text > 40 then text = text:sub(1, 40) .. "…" end
  return '"' .. text:gsub("[%c]", "·") .. '"'
end

-- The Info column: the type, its numbers, whom it is about, a quote of the text.
local SUMMARY = { "n", "seq", "sack", "nick", "from", "to", "code", "action", "name", "port" }

local function one_summary(object)
  local parts = { show(object.type or "?") }
  for _, key in ipairs(SUMMARY) do
    local value = object[key]
    if value ~= nil and not (key == "sack" and type(value) == "table" and #value.array == 0) then
      table.insert(parts, key .. "=" .. show(value))
    end
  end
  if object.more == true then table.insert(parts, "more") end
  if type(object.text) == "string" then table.insert(parts, quote(object.text)) end
  return table.concat(parts, " ")
end

-- The stream frames a bundle carries, each as parsed: those that are objects.
local function bundled(object)
  local entries = {}
  if object.type == "bundle" and type(object.frames) == "table" and object.frames.array then
    for _, entry in ipairs(object.frames.array) do
      if type(entry) == "table" and entry.object then table.insert(entries, entry) end
    end
  end
  return entries
end

-- A bundle is summarised by its first three frames, as the server's --trace does.
local function summary(object)
  local entries = bundled(object)
  if object.type ~= "bundle" then return one_summary(object) end
  local shown = {}
  for i, entry in ipairs(entries) do
    if i > 3 then table.insert(shown, "…") break end
    table.insert(shown, one_summary(entry.object))
  end
  return string.format("bundle of %d: %s", #entries, table.concat(shown, " · "))
end

local function direction(pinfo)
  local port = udpchat.prefs.port
  if pinfo.dst_port == 9998 then return "client → discovery" end
  if pinfo.src_port == 9998 then return "discovery → client" end
  if pinfo.dst_port == port then return "client → server" end
  if pinfo.src_port == port then return "server → client" end
  return "unknown"
end

-- Each field of a parsed object under the tree, by the name the protocol document gives it. JSON
-- has no fixed offsets: each field points at the whole frame.
local function add_fields(tree, range, parsed)
  for _, key in ipairs(parsed.keys) do
    local value = parsed.object[key]
    local field = fields[key]
    if field == nil then
      tree:add(fields.unknown, range, key .. ": " .. show(value))
    elseif key == "udpchat" or NUMBERS[key] then
      if type(value) == "number" then tree:add(field, range, value)
      else tree:add(fields.unknown, range, key .. ": " .. show(value)) end
    elseif key == "pad" then
      tree:add(field, range, string.format("%d bytes of padding", #show(value)))
    elseif key == "frames" and type(value) == "table" and value.array then
      tree:add(field, range, string.format("%d stream frames", #value.array))
    else
      tree:add(field, range, show(value))
    end
  end
end

local function dissect_frame(buffer, pinfo, tree)
  local text = buffer:raw()
  local parsed, stop = parse_value(text, 1)
  local subtree = tree:add(udpchat, buffer(), "udpchat")
  subtree:add(fields.direction, direction(pinfo)):set_generated()
  if type(parsed) ~= "table" or not parsed.object or stop == nil then
    subtree:add_proto_expert_info(malformed)
    pinfo.cols.info = "malformed frame"
    return
  end
  local object = parsed.object
  add_fields(subtree, buffer(), parsed)
  for i, entry in ipairs(bundled(object)) do
    local item = subtree:add(fields.bundled, buffer(), one_summary(entry.object))
    item:prepend_text(string.format("%d. ", i))
    add_fields(item, buffer(), entry)
  end
  local about = summary(object)
  subtree:append_text(": " .. about)
  pinfo.cols.info = about
end

local function dissect_legacy(buffer, pinfo, tree)
  local line = buffer:raw():gsub("\r?\n$", "")
  local subtree = tree:add(udpchat, buffer(), "udpchat, plain text (the tutorial's protocol)")
  subtree:add(fields.direction, direction(pinfo)):set_generated()
  subtree:add(fields.legacy, buffer(), line)
  pinfo.cols.info = "plain text " .. quote(line)
end

local function is_frame(buffer)
  return buffer:len() >= 12 and buffer(0, 11):string() == '{"udpchat":'
end

function udpchat.dissector(buffer, pinfo, tree)
  if buffer:len() == 0 then return 0 end
  pinfo.cols.protocol = "udpchat"
  if is_frame(buffer) then dissect_frame(buffer, pinfo, tree)
  else dissect_legacy(buffer, pinfo, tree) end
  return buffer:len()
end

local function heuristic(buffer, pinfo, tree)
  if not is_frame(buffer) then return false end
  udpchat.dissector(buffer, pinfo, tree)
  return true
end

udpchat:register_heuristic("udp", heuristic)

local udp_port = DissectorTable.get("udp.port")
local registered = 9999
udp_port:add(registered, udpchat)
udp_port:add(9998, udpchat)

function udpchat.prefs_changed()
  if udpchat.prefs.port ~= registered then
    udp_port:remove(registered, udpchat)
    registered = udpchat.prefs.port
    udp_port:add(registered, udpchat)
  end
end
