// The files of the web page (tools/sam3rt/serve/web/), compiled into the program by
// cmake/embed-files.cmake so that `sam3rt serve` is one file and the page loads nothing from the
// network.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sam3rt::serve {

struct WebAsset {
  const char* path;  // "/index.html"
  const unsigned char* data;
  size_t size;
};

const std::vector<WebAsset>& web_assets();

// "text/html; charset=utf-8" and friends, from the file name's extension.
std::string content_type_for(const std::string& path);

}  // namespace sam3rt::serve
