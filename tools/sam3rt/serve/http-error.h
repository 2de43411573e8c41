// A request the server refuses: the HTTP status and the one-line message of its JSON error body,
// {"error": {"code": status, "type": "...", "message": "..."}}.
#pragma once

#include <stdexcept>
#include <string>

namespace sam3rt::serve {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// "bad_request", "not_found", ... for the error body's "type".
const char* http_error_type(int status);

}  // namespace sam3rt::serve
