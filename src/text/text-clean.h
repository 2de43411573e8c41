// Text cleaning of the reference tokenizer (spec §3, clean="lower"):
//   ftfy.fix_text → html.unescape twice → strip → collapse \s+ to " " → strip → lower().
// Text is handled as UTF-32 code points. Invalid UTF-8 becomes U+FFFD (one per maximal invalid
// subsequence, as Python's decode(errors="replace") does).
//
// ftfy.fix_text is reproduced for everything except its mojibake repair (fix_encoding): HTML
// entity decoding when the line has no '<' (repeated until nothing changes, like ftfy's loop),
// C1 controls read as Windows-1252, Latin ligatures expanded, full-width forms to ASCII, curly
// quotes straightened, line breaks unified, ANSI terminal escapes and control characters removed,
// NFC. Text that was decoded with the wrong code page ("cafÃ©") is left as it is.
#pragma once

#include <string>
#include <string_view>

namespace sam3rt::text {

std::u32string utf8_to_u32(std::string_view utf8);
std::string u32_to_utf8(std::u32string_view text);
void append_utf8(std::string& out, char32_t c);

// Python str.isspace() and the `regex` module's \s (Unicode White_Space) differ only in U+1C..1F.
bool is_python_space(char32_t c);
bool is_regex_space(char32_t c);

// ftfy.fix_text of text[0, end). `end` must be the text's size or the position of a U+0020
// space: no fix reaches across a space, so the result is then exactly the start of the fixed
// whole text (the line's HTML-unescape decision is still taken from the whole line).
std::u32string ftfy_fix_text(std::u32string_view text, size_t end = std::u32string_view::npos);
std::u32string html_unescape(std::u32string_view text);  // Python's html.unescape
std::u32string nfc(std::u32string_view text);
std::u32string lower(std::u32string_view text);  // Python's str.lower() (full mappings, final sigma)

// The whole cleaning of the reference tokenizer.
std::u32string clean_lower(std::string_view utf8);
// The cleaning of text[0, end) with `end` as for ftfy_fix_text: equal to the start of the
// cleaned whole text (up to trailing whitespace), so a long prompt can be cleaned piecewise.
std::u32string clean_lower_prefix(std::u32string_view text, size_t end = std::u32string_view::npos);

}  // namespace sam3rt::text
