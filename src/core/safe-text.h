// Making bytes that come from input files safe to print in a one-line error message. A corrupt
// file can put anything into a tensor name, a JSON value or a pickle string: terminal escape
// sequences, invalid UTF-8, newlines, megabytes of text. Messages that quote such bytes pass them
// through safe_text(), and sam3rt::Error passes every whole message through it once more (with a
// larger cap), so no message can carry raw input to a terminal or a log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sam3rt {

// Longest quoted piece of input in a message, and longest whole message, in bytes of output.
inline constexpr size_t kMaxQuotedBytes = 160;
inline constexpr size_t kMaxMessageBytes = 4096;

// `text` with every byte that is not part of a printable, valid UTF-8 character written as \xNN
// (control characters, DEL, C1 controls, invalid or overlong sequences, surrogates, and the
// bidirectional overrides that can make a line read differently from what it holds), cut after
// about max_bytes of output with "...(N bytes)" naming the full length. Backslashes are kept as
// they are, so applying it twice changes nothing more (except the cut).
std::string safe_text(std::string_view text, size_t max_bytes = kMaxQuotedBytes);

// True when safe_text(text, SIZE_MAX) == text: only printable, valid UTF-8.
bool is_safe_text(std::string_view text);

}  // namespace sam3rt
