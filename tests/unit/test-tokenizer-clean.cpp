// The tokenizer's text cleaning: UTF-8 decoding with replacement, Python's html.unescape, the
// ftfy fixes, whitespace and lower-casing. Expected values come from Python 3.11
// (bytes.decode("utf-8", "replace"), html.unescape, str.lower) and from ftfy's documented fixes.
#include <gtest/gtest.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "text/text-clean.h"

namespace sam3rt::text {
namespace {

std::u32string u(const char* utf8) { return utf8_to_u32(utf8); }

TEST(TextClean, Utf8DecodingReplacesMaximalInvalidSubsequences) {
  struct Case {
    std::string bytes;
    std::u32string expect;
  };
  const Case cases[] = {
      {"ab\xff" "c", U"ab\uFFFDc"},
      {"\xe2\x82", U"\uFFFD"},
      {"\xe2\x82\xac", U"\u20AC"},
      {"\xf0\x9f\x98", U"\uFFFD"},
      {"\xed\xa0\x80x", U"\uFFFD\uFFFD\uFFFDx"},  // an encoded surrogate
      {"\xc0\xaf", U"\uFFFD\uFFFD"},               // overlong
      {"\xf4\x90\x80\x80", U"\uFFFD\uFFFD\uFFFD\uFFFD"},
      {"\xe0\x80\x80", U"\uFFFD\uFFFD\uFFFD"},
      {std::string("a\0b", 3), std::u32string(U"a\0b", 3)},
  };
  for (const Case& c : cases) EXPECT_EQ(utf8_to_u32(c.bytes), c.expect) << c.bytes;
  EXPECT_EQ(u32_to_utf8(U"caf\u00E9 \U0001F431"), "caf\xC3\xA9 \xF0\x9F\x90\xB1");
}

TEST(TextClean, HtmlUnescapeMatchesPython) {
  const std::pair<const char*, const char*> cases[] = {
      {"&amp;", "&"},
      {"&amp", "&"},
      {"&ampx", "&x"},
      {"&notit;", "\u00ACit;"},
      {"&notin;", "\u2209"},
      {"&#65;", "A"},
      {"&#x41;", "A"},
      {"&#X41", "A"},
      {"&#0;", "\uFFFD"},
      {"&#128;", "\u20AC"},
      {"&#150;", "\u2013"},
      {"&#xD800;", "\uFFFD"},
      {"&#1114112;", "\uFFFD"},
      {"&#99999999999999999999;", "\uFFFD"},
      {"&#1;", ""},
      {"&#xFFFF;", ""},
      {"&#13;", "\r"},
      {"&#", "&#"},
      {"&#x;", "&#x;"},
      {"&;", "&;"},
      {"& amp;", "& amp;"},
      {"&eacute", "\u00E9"},
      {"&Eacute;", "\u00C9"},
      {"&EACUTE;", "&EACUTE;"},
      {"&aacutefoo", "\u00E1foo"},
      {"&amp;amp;", "&amp;"},
      {"&xyz;", "&xyz;"},
      {"&lt;&gt;&quot;&apos;", "<>\"'"},
      {"&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;", "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;"},
      {"&NotNestedGreaterGreater;", "\u2AA2\u0338"},
      {"&ccedil;&ccedil", "\u00E7\u00E7"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(u32_to_utf8(html_unescape(u(in))), out) << in;
}

TEST(TextClean, FtfyFixes) {
  const std::pair<const char*, const char*> cases[] = {
      {"\u201Cquoted\u201D it\u2019s", "\"quoted\" it's"},               // uncurl_quotes
      {"\uFB01sh \uFB02ow \u0133", "fish flow ij"},                        // fix_latin_ligatures
      {"\uFF21\uFF22\uFF23\uFF11\u3000x", "ABC1 x"},                       // fix_character_width
      {"wait\xC2\x85" "done", "wait\u2026done"},                           // fix_c1_controls (U+0085)
      {"a\r\nb\rc\u2028d", "a\nb\nc\nd"},                                  // fix_line_breaks
      {"\x1b[31mred\x1b[0m", "red"},                                       // remove_terminal_escapes
      {"a\x01" "b\x7f" "c\uFEFFd\x0b" "e", "abcde"},                       // remove_control_chars
      {"e\u0301", "\u00E9"},                                               // NFC
      {"&amp;amp;amp; &EACUTE;", "& \u00C9"},                              // unescape until stable, upper names
      {"<b>&amp;amp;</b>", "<b>&amp;amp;</b>"},                            // a '<' turns unescaping off
      {"x &amp;\n<p>\n&lt;", "x &\n<p>\n&lt;"},                            // ... for that line and the rest
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(u32_to_utf8(ftfy_fix_text(u(in))), out) << in;
}

TEST(TextClean, CleanLowerPipeline) {
  const std::pair<const char*, const char*> cases[] = {
      {"  Hello\t\tWORLD \n ", "hello world"},
      {"\u00A0a\u2003\u2003b\u3000", "a b"},
      {"&lt;b&gt;", "<b>"},
      {"<i>&amp;amp;amp;</i>", "<i>&amp;</i>"},  // ftfy skips ('<'), html.unescape twice
      {"&amp;amp;amp;", "&"},                    // ftfy unescapes until stable
      {"\u039F\u0394\u039F\u03A3 \u039F\u0394\u039F\u03A3.", "\u03BF\u03B4\u03BF\u03C2 \u03BF\u03B4\u03BF\u03C2."},
      {"\u0130", "i\u0307"},
      {"\u01C5", "d\u017E"},  // ftfy expands the ligature first, then lower()
      {"", ""},
      {"\x01\x02", ""},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(u32_to_utf8(clean_lower(in)), out) << in;
}

TEST(TextClean, PrefixCleaningIsAPrefixOfTheWhole) {
  const std::u32string text = u("Caf\u00E9  &amp; \uFB01sh\u2019s <i>X</i> \u039F\u03A3 &amp;amp; TAIL");
  const std::u32string whole = clean_lower_prefix(text);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != U' ') continue;
    const std::u32string part = clean_lower_prefix(text, i);
    EXPECT_EQ(whole.compare(0, part.size(), part), 0) << u32_to_utf8(part);
  }
}

TEST(TextClean, SpaceClasses) {
  EXPECT_TRUE(is_regex_space(U'\u0085'));
  EXPECT_TRUE(is_regex_space(U'\u3000'));
  EXPECT_FALSE(is_regex_space(U'\u001C'));
  EXPECT_TRUE(is_python_space(U'\u001C'));
  EXPECT_FALSE(is_regex_space(U'\u200B'));  // zero-width space is not White_Space
}

}  // namespace
}  // namespace sam3rt::text

namespace {
// ICU's own NFC of a UTF-32 string, for comparison.
std::u32string icu_nfc(const std::u32string& t) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString u;
  for (char32_t c : t) u.append(static_cast<UChar32>(c));
  const icu::UnicodeString n = icu::Normalizer2::getNFCInstance(status)->normalize(u, status);
  std::u32string out(static_cast<size_t>(n.countChar32()), U'\0');
  status = U_ZERO_ERROR;
  n.toUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), status);
  return out;
}
}  // namespace

// Long runs of combining marks are ordered by our own stable sort (ICU's insertion sort is
// quadratic); the result must be ICU's exactly: precomposed letters that decompose into marks,
// marks of several classes interleaved, composable pairs at the ends of the run.
TEST(TextClean, NfcOfLongMarkRunsEqualsIcu) {
  std::u32string t = U"a";
  for (int i = 0; i < 40; ++i) t += (i % 3 == 0) ? U'\u0301' : (i % 3 == 1) ? U'\u0323' : U'\u0344';
  t += U"\u1E0D\u0307\u0323e\u0301";
  for (int i = 0; i < 35; ++i) t += (i % 2) ? U'\u05B0' : U'\u0591';
  t += U"\u00C5\u0328";
  EXPECT_EQ(sam3rt::text::nfc(t), icu_nfc(t));
}

