// HTML character reference tables (generated: see gen-html-entities.py).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sam3rt::text {

struct HtmlEntity {
  const char* name;  // without '&', with the ';' where the name has one
  int length;        // code points in the replacement (1..3)
  char32_t value[3];
};

// Sorted by name (byte order).
extern const HtmlEntity kHtml5Entities[];
extern const size_t kHtml5EntityCount;
extern const HtmlEntity kFtfyUpperEntities[];
extern const size_t kFtfyUpperEntityCount;

}  // namespace sam3rt::text
