// Encoded images of `sam3rt serve`: an LRU cache of ImageSessions (each holds one image's
// backbone features), bounded by an estimate of their bytes (--cache-mb). An image is encoded
// once; every later prompt on it reuses the features until the image is deleted or evicted.
// Thread-safe; the sessions themselves are used by the inference worker only.
#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sam3rt/sam3rt.hpp"

namespace sam3rt::serve {

struct CachedImage {
  std::string id;
  int width = 0, height = 0;
  size_t bytes = 0;  // estimate: backbone features + the RGB copy
  std::unique_ptr<ImageSession> session;
  // The last click's low-resolution logits per candidate and their IoU, for mask_input "previous".
  std::vector<std::vector<float>> last_logits;
  std::vector<float> last_iou;
};

class ImageCache {
 public:
  explicit ImageCache(size_t budget_bytes) : budget_(budget_bytes) {}

  // The entry (marked most recently used), or null.
  std::shared_ptr<CachedImage> get(const std::string& id);
  bool contains(const std::string& id) const;
  // Inserts (or replaces) and evicts least recently used entries while over budget; the newest
  // entry always stays, even when it alone exceeds the budget (a cache that cannot hold the image
  // just uploaded would answer every prompt with "unknown image").
  void put(std::shared_ptr<CachedImage> image);
  bool erase(const std::string& id);

  size_t bytes() const;
  size_t entries() const;
  size_t budget() const { return budget_; }
  size_t evictions() const;

 private:
  const size_t budget_;
  mutable std::mutex mutex_;
  std::list<std::shared_ptr<CachedImage>> lru_;  // front = most recently used
  std::map<std::string, std::list<std::shared_ptr<CachedImage>>::iterator> index_;
  size_t bytes_ = 0;
  size_t evictions_ = 0;
};

}  // namespace sam3rt::serve
