#include "core/safe-text.h"

#include <cstdint>

namespace sam3rt {

namespace {

// Length of the printable UTF-8 character at text[i], or 0 when the byte there must be escaped.
size_t printable_char_length(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t c = b(i);
  if (c >= 0x20 && c < 0x7f) return 1;
  size_t len;
  char32_t cp;
  if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
  else return 0;  // ASCII control, DEL, continuation byte, 0xc0/0xc1 (overlong), > 0xf4
  if (text.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are invalid UTF-8.
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return 0;
  // C1 controls, line/paragraph separators, bidirectional embeddings/overrides/isolates.
  if (cp <= 0x9f || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
    return 0;
  return len;
}

}  // namespace

std::string safe_text(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = printable_char_length(text, i);
    const size_t add = len ? len : 4;
    if (out.size() + add > max_bytes) break;
    if (len) {
      out.append(text.data() + i, len);
      i += len;
    } else {
      const auto c = static_cast<uint8_t>(text[i++]);
      out += '\\';
      out += 'x';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (i < text.size()) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

bool is_safe_text(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = printable_char_length(text, i);
    if (!len) return false;
    i += len;
  }
  return true;
}

}  // namespace sam3rt
