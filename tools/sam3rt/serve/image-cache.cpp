#include "tools/sam3rt/serve/image-cache.h"

namespace sam3rt::serve {

std::shared_ptr<CachedImage> ImageCache::get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return *it->second;
}

bool ImageCache::contains(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return index_.count(id) != 0;
}

void ImageCache::put(std::shared_ptr<CachedImage> image) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto old = index_.find(image->id);
  if (old != index_.end()) {
    bytes_ -= (*old->second)->bytes;
    lru_.erase(old->second);
    index_.erase(old);
  }
  bytes_ += image->bytes;
  lru_.push_front(image);
  index_[image->id] = lru_.begin();
  while (bytes_ > budget_ && lru_.size() > 1) {
    const std::shared_ptr<CachedImage>& victim = lru_.back();
    bytes_ -= victim->bytes;
    index_.erase(victim->id);
    lru_.pop_back();  // the worker may still hold it; the shared_ptr frees it after that request
    ++evictions_;
  }
}

bool ImageCache::erase(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  bytes_ -= (*it->second)->bytes;
  lru_.erase(it->second);
  index_.erase(it);
  return true;
}

size_t ImageCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}
size_t ImageCache::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lru_.size();
}
size_t ImageCache::evictions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return evictions_;
}

}  // namespace sam3rt::serve
