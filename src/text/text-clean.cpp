// ref: sam3/model/tokenizer_ve.py basic_clean, whitespace_clean, _clean_lower; ftfy 6 fix_text
// (ftfy/__init__.py fix_text, fix_and_explain; ftfy/fixes.py; ftfy/chardata.py); Python's
// html.unescape (Lib/html/__init__.py).
#include "text/text-clean.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/error.h"
#include "text/html-entities.h"

namespace sam3rt::text {

// --- UTF-8 -----------------------------------------------------------------------------------

std::u32string utf8_to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    int len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b == 0xE0) { len = 3; lo = 0xA0; }
    else if (b >= 0xE1 && b <= 0xEC) len = 3;
    else if (b == 0xED) { len = 3; hi = 0x9F; }  // no surrogates
    else if (b >= 0xEE && b <= 0xEF) len = 3;
    else if (b == 0xF0) { len = 4; lo = 0x90; }
    else if (b >= 0xF1 && b <= 0xF3) len = 4;
    else if (b == 0xF4) { len = 4; hi = 0x8F; }
    if (len == 0) {  // invalid lead byte
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t c = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    int k = 1;
    for (; k < len; ++k) {
      if (i + k >= n) break;
      const unsigned char t = p[i + k];
      const bool ok = k == 1 ? (t >= lo && t <= hi) : (t >= 0x80 && t <= 0xBF);
      if (!ok) break;
      c = (c << 6) | (t & 0x3F);
    }
    if (k < len) {  // one U+FFFD for the maximal valid prefix, as Python's "replace" does
      out.push_back(0xFFFD);
      i += k;
      continue;
    }
    out.push_back(c);
    i += len;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string u32_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

// --- character classes -----------------------------------------------------------------------

bool is_regex_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_python_space(char32_t c) { return is_regex_space(c) || (c >= 0x1C && c <= 0x1F); }

// --- ICU helpers -----------------------------------------------------------------------------
namespace {

icu::UnicodeString to_icu(std::u32string_view s) {
  return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(s.data()), static_cast<int32_t>(s.size()));
}

std::u32string from_icu(const icu::UnicodeString& u) {
  std::u32string out(static_cast<size_t>(u.countChar32()), U'\0');
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = u.toUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), status);
  SAM3RT_ASSERT(U_SUCCESS(status), "ICU toUTF32: ", u_errorName(status));
  out.resize(static_cast<size_t>(n));
  return out;
}

const icu::Normalizer2& normalizer(bool nfkc) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = nfkc ? icu::Normalizer2::getNFKCInstance(status) : icu::Normalizer2::getNFCInstance(status);
  SAM3RT_CHECK(U_SUCCESS(status) && n, kInternal, "ICU normalisation data unavailable: ", u_errorName(status));
  return *n;
}

// ICU orders the combining marks after a base character by insertion: quadratic in their number, so
// one letter followed by 300,000 marks took 80 s. Canonical ordering is a stable sort by combining
// class, so for long runs of marks (over 30, the Stream-Safe limit of UAX #15; real text has a
// handful) the text is decomposed character by character and each run is sorted here in
// O(n log n); ICU then finds it already ordered. The result is exactly ICU's.
std::u32string presort_long_mark_runs(std::u32string_view text, bool nfkc) {
  size_t run = 0, longest = 0;
  for (char32_t c : text) {
    run = u_getCombiningClass(static_cast<UChar32>(c)) ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  if (longest <= 30) return std::u32string(text);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* d = nfkc ? icu::Normalizer2::getNFKDInstance(status) : icu::Normalizer2::getNFDInstance(status);
  SAM3RT_CHECK(U_SUCCESS(status), kInternal, "ICU decomposition unavailable: ", u_errorName(status));
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    status = U_ZERO_ERROR;
    const icu::UnicodeString one = d->normalize(icu::UnicodeString(static_cast<UChar32>(c)), status);
    SAM3RT_CHECK(U_SUCCESS(status), kInternal, "ICU decomposition failed: ", u_errorName(status));
    out += from_icu(one);
  }
  const auto ccc = [](char32_t c) { return u_getCombiningClass(static_cast<UChar32>(c)); };
  for (size_t i = 0; i < out.size();) {
    if (!ccc(out[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < out.size() && ccc(out[j])) ++j;
    std::stable_sort(out.begin() + i, out.begin() + j, [&](char32_t a, char32_t b) { return ccc(a) < ccc(b); });
    i = j;
  }
  return out;
}

std::u32string normalize(std::u32string_view text_in, bool nfkc) {
  const icu::Normalizer2& n = normalizer(nfkc);
  const std::u32string sorted = presort_long_mark_runs(text_in, nfkc);
  const std::u32string_view text = sorted;
  const icu::UnicodeString u = to_icu(text);
  UErrorCode status = U_ZERO_ERROR;
  if (n.isNormalized(u, status) && U_SUCCESS(status)) return std::u32string(text);
  status = U_ZERO_ERROR;
  const icu::UnicodeString out = n.normalize(u, status);
  SAM3RT_CHECK(U_SUCCESS(status), kInternal, "ICU normalisation failed: ", u_errorName(status));
  return from_icu(out);
}

// Windows-1252 for 0x80..0x9F, undefined bytes mapping to themselves ("sloppy-windows-1252").
constexpr char32_t kCp1252C1[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// --- HTML entities ---------------------------------------------------------------------------

const HtmlEntity* find_entity(const HtmlEntity* table, size_t count, std::string_view name) {
  const HtmlEntity* end = table + count;
  const HtmlEntity* it = std::lower_bound(table, end, name, [](const HtmlEntity& e, std::string_view n) {
    return std::string_view(e.name) < n;
  });
  return it != end && std::string_view(it->name) == name ? it : nullptr;
}

void append_entity(std::u32string& out, const HtmlEntity& e) { out.append(e.value, e.value + e.length); }

bool ascii_name(std::u32string_view s, std::string* out) {
  out->clear();
  for (char32_t c : s) {
    if (c >= 0x80) return false;
    out->push_back(static_cast<char>(c));
  }
  return true;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_hex(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alnum_ascii(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// ref: Lib/html/__init__.py _replace_charref, numeric branch. Appends the replacement.
void append_numeric_charref(std::u32string& out, std::u32string_view digits, bool hex) {
  uint64_t num = 0;
  bool huge = false;
  for (char32_t c : digits) {
    const uint32_t d = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    num = num * (hex ? 16 : 10) + d;
    if (num > 0x10FFFF) huge = true, num = 0x110000;
  }
  if (huge || num > 0x10FFFF || (num >= 0xD800 && num <= 0xDFFF)) return out.push_back(0xFFFD);
  if (num == 0) return out.push_back(0xFFFD);
  if (num == 0x0D) return out.push_back(U'\r');
  if (num >= 0x80 && num <= 0x9F) return out.push_back(kCp1252C1[num - 0x80]);
  const bool invalid = (num >= 0x1 && num <= 0x8) || num == 0xB || (num >= 0xE && num <= 0x1F) ||
                       (num >= 0x7F && num <= 0x9F) || (num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE;
  if (invalid) return;
  out.push_back(static_cast<char32_t>(num));
}

}  // namespace

std::u32string nfc(std::u32string_view text) { return normalize(text, false); }

std::u32string lower(std::u32string_view text) {
  icu::UnicodeString u = to_icu(text);
  u.toLower(icu::Locale::getRoot());  // full mappings and Final_Sigma, as Python's str.lower()
  return from_icu(u);
}

// ref: Lib/html/__init__.py unescape: &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)
std::u32string html_unescape(std::u32string_view s) {
  if (s.find(U'&') == std::u32string_view::npos) return std::u32string(s);
  std::u32string out;
  out.reserve(s.size());
  std::string name;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != U'&') {
      out.push_back(s[i++]);
      continue;
    }
    const size_t start = i + 1;
    size_t j = start;
    if (j < s.size() && s[j] == U'#') {
      size_t k = j + 1;
      const bool hex = k < s.size() && (s[k] == U'x' || s[k] == U'X') && k + 1 < s.size() && is_hex(s[k + 1]);
      if (hex) ++k;
      const size_t d0 = k;
      while (k < s.size() && (hex ? is_hex(s[k]) : is_digit(s[k]))) ++k;
      if (k > d0) {
        append_numeric_charref(out, s.substr(d0, k - d0), hex);
        if (k < s.size() && s[k] == U';') ++k;
        i = k;
        continue;
      }
      out.push_back(s[i++]);  // "&#" not followed by a number: literal
      continue;
    }
    auto named_char = [](char32_t c) {
      return c != U'\t' && c != U'\n' && c != U'\f' && c != U' ' && c != U'<' && c != U'&' && c != U'#' && c != U';';
    };
    while (j < s.size() && j - start < 32 && named_char(s[j])) ++j;
    if (j == start) {
      out.push_back(s[i++]);
      continue;
    }
    if (j < s.size() && s[j] == U';') ++j;
    const std::u32string_view ref = s.substr(start, j - start);
    const HtmlEntity* e = ascii_name(ref, &name) ? find_entity(kHtml5Entities, kHtml5EntityCount, name) : nullptr;
    if (e) {
      append_entity(out, *e);
    } else {
      // The longest prefix (at least 2 characters) that is an entity name; names with non-ASCII
      // characters match no entity, but their ASCII prefix still may.
      bool found = false;
      for (size_t x = ref.size() - 1; x >= 2; --x) {
        if (!ascii_name(ref.substr(0, x), &name)) continue;
        if (const HtmlEntity* p = find_entity(kHtml5Entities, kHtml5EntityCount, name)) {
          append_entity(out, *p);
          out.append(ref.substr(x));
          found = true;
          break;
        }
      }
      if (!found) {
        out.push_back(U'&');
        out.append(ref);
      }
    }
    i = j;
  }
  return out;
}

namespace {

// ref: ftfy/fixes.py unescape_html (HTML_ENTITY_RE = &#?[0-9A-Za-z]{1,24};)
std::u32string ftfy_unescape_html(std::u32string_view s) {
  if (s.find(U'&') == std::u32string_view::npos) return std::u32string(s);
  std::u32string out;
  std::string name;
  size_t i = 0;
  while (i < s.size()) {
    bool replaced = false;
    for (int with_hash = 1; s[i] == U'&' && with_hash >= 0 && !replaced; --with_hash) {  // '#?' tries '#' first
      size_t j = i + 1;
      if (with_hash) {
        if (j >= s.size() || s[j] != U'#') continue;
        ++j;
      }
      const size_t a = j;
      while (j < s.size() && is_alnum_ascii(s[j]) && j - a < 24) ++j;
      if (j == a || j >= s.size() || s[j] != U';') continue;
      const std::u32string_view match = s.substr(i, j + 1 - i);  // "&...;"
      ascii_name(match.substr(1), &name);
      std::u32string repl(match);
      if (const HtmlEntity* e = find_entity(kHtml5Entities, kHtml5EntityCount, name)) {
        repl.assign(e->value, e->value + e->length);
      } else if (const HtmlEntity* u = find_entity(kFtfyUpperEntities, kFtfyUpperEntityCount, name)) {
        repl.assign(u->value, u->value + u->length);
      } else if (with_hash) {
        // A numeric reference counts only when html.unescape consumed its ';'.
        const std::u32string un = html_unescape(match);
        if (un.find(U';') == std::u32string::npos) repl = un;
      }
      out.append(repl);
      i = j + 1;
      replaced = true;
    }
    if (!replaced) out.push_back(s[i++]);
  }
  return out;
}

char32_t width_map(char32_t c) {
  // ref: ftfy/chardata.py _build_width_map: U+3000 → space; U+FF01..U+FFEF → their NFKC form
  // when that is a single different character.
  static const std::unordered_map<char32_t, char32_t> table = [] {
    std::unordered_map<char32_t, char32_t> t{{0x3000, U' '}};
    for (char32_t c = 0xFF01; c < 0xFFF0; ++c) {
      const char32_t one[1] = {c};
      const std::u32string n = normalize(std::u32string_view(one, 1), true);
      if (n.size() == 1 && n[0] != c) t[c] = n[0];
    }
    return t;
  }();
  const auto it = table.find(c);
  return it == table.end() ? c : it->second;
}

const char32_t* ligature(char32_t c) {
  switch (c) {
    case 0x0132: return U"IJ";
    case 0x0133: return U"ij";
    case 0x0149: return U"\u02BCn";
    case 0x01F1: return U"DZ";
    case 0x01F2: return U"Dz";
    case 0x01F3: return U"dz";
    case 0x01C4: return U"D\u017D";
    case 0x01C5: return U"D\u017E";
    case 0x01C6: return U"d\u017E";
    case 0x01C7: return U"LJ";
    case 0x01C8: return U"Lj";
    case 0x01C9: return U"lj";
    case 0x01CA: return U"NJ";
    case 0x01CB: return U"Nj";
    case 0x01CC: return U"nj";
    case 0xFB00: return U"ff";
    case 0xFB01: return U"fi";
    case 0xFB02: return U"fl";
    case 0xFB03: return U"ffi";
    case 0xFB04: return U"ffl";
    case 0xFB05: return U"\u017Ft";
    case 0xFB06: return U"st";
    default: return nullptr;
  }
}

bool is_removed_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// One pass of ftfy's character fixes after unescape_html, in ftfy's order: fix_c1_controls,
// fix_latin_ligatures, fix_character_width, uncurl_quotes, fix_line_breaks, (fix_surrogates:
// none can exist here), remove_terminal_escapes, remove_control_chars. Each fix only maps or
// deletes characters locally, so the composition is done in one scan per fix group.
std::u32string ftfy_char_fixes(std::u32string_view s) {
  std::u32string a;
  a.reserve(s.size());
  for (char32_t c : s) {
    if (c >= 0x80 && c <= 0x9F) c = kCp1252C1[c - 0x80];  // fix_c1_controls
    if (const char32_t* lig = ligature(c)) {               // fix_latin_ligatures
      a.append(lig);
      continue;
    }
    if (c >= 0xFF01 || c == 0x3000) c = width_map(c);  // fix_character_width
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) c = U'\'';  // uncurl_quotes
    else if (c >= 0x201C && c <= 0x201F) c = U'"';
    a.push_back(c);
  }
  // fix_line_breaks: \r\n, \r, U+2028, U+2029, U+0085 → \n (U+0085 was already turned into '…').
  std::u32string b;
  b.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const char32_t c = a[i];
    if (c == U'\r' && i + 1 < a.size() && a[i + 1] == U'\n') continue;
    b.push_back(c == U'\r' || c == 0x2028 || c == 0x2029 || c == 0x85 ? U'\n' : c);
  }
  // remove_terminal_escapes: \x1b\[((?:\d|;)*)([a-zA-Z]); then remove_control_chars.
  std::u32string out;
  out.reserve(b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] == 0x1B && i + 1 < b.size() && b[i + 1] == U'[') {
      size_t j = i + 2;
      while (j < b.size() && (u_isdigit(static_cast<UChar32>(b[j])) || b[j] == U';')) ++j;
      if (j < b.size() && ((b[j] >= U'a' && b[j] <= U'z') || (b[j] >= U'A' && b[j] <= U'Z'))) {
        i = j;
        continue;
      }
    }
    if (!is_removed_control(b[i])) out.push_back(b[i]);
  }
  return out;
}

// ref: ftfy/__init__.py fix_and_explain: the fixes repeat until the text stops changing.
std::u32string ftfy_fix_segment(std::u32string text, bool unescape) {
  for (int round = 0; round < 16; ++round) {  // each round shrinks or fixes; 16 is never reached in practice
    const std::u32string before = text;
    if (unescape) text = ftfy_unescape_html(text);
    text = nfc(ftfy_char_fixes(text));
    if (text == before) break;
  }
  return text;
}

std::u32string_view strip_python(std::u32string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && is_python_space(s[a])) ++a;
  while (b > a && is_python_space(s[b - 1])) --b;
  return s.substr(a, b - a);
}

}  // namespace

// ref: ftfy/__init__.py fix_text — line by line (at most 1,000,000 characters a segment); HTML
// unescaping stays off from the first segment that contains '<' on.
std::u32string ftfy_fix_text(std::u32string_view text, size_t end) {
  constexpr size_t kMaxSegment = 1000000;
  end = std::min(end, text.size());
  SAM3RT_ASSERT(end == text.size() || text[end] == U' ', "ftfy_fix_text: a prefix must end at a space");
  std::u32string out;
  out.reserve(end);
  bool unescape = true;
  size_t pos = 0;
  while (pos < end) {
    size_t brk = text.find(U'\n', pos);
    brk = brk == std::u32string_view::npos ? text.size() : brk + 1;
    if (brk - pos > kMaxSegment) brk = pos + kMaxSegment;
    if (unescape && text.substr(pos, brk - pos).find(U'<') != std::u32string_view::npos) unescape = false;
    out += ftfy_fix_segment(std::u32string(text.substr(pos, std::min(brk, end) - pos)), unescape);
    pos = brk;
  }
  return out;
}

// ref: sam3/model/tokenizer_ve.py _clean_lower = whitespace_clean(basic_clean(x)).lower()
std::u32string clean_lower_prefix(std::u32string_view text, size_t end) {
  std::u32string t = ftfy_fix_text(text, end);
  t = html_unescape(html_unescape(t));
  const std::u32string_view stripped = strip_python(t);
  std::u32string collapsed;  // regex \s+ → " "
  collapsed.reserve(stripped.size());
  for (size_t i = 0; i < stripped.size();) {
    if (is_regex_space(stripped[i])) {
      collapsed.push_back(U' ');
      while (i < stripped.size() && is_regex_space(stripped[i])) ++i;
    } else {
      collapsed.push_back(stripped[i++]);
    }
  }
  return lower(strip_python(collapsed));
}

std::u32string clean_lower(std::string_view utf8) { return clean_lower_prefix(utf8_to_u32(utf8)); }

}  // namespace sam3rt::text
