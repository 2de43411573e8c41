// Hugging Face tracker keys (Sam3VideoModel "tracker_model.*") back to the official "tracker.*"
// names: the inverse of the table in the tracker/video spec §16.2.
#pragma once

#include <optional>
#include <string>

namespace sam3rt {

struct TrackerKeyMapping {
  std::string name;     // official key, with the "tracker." prefix; empty = drop (a duplicate in HF)
  int split_rows = 0;   // > 0: the HF tensor stacks this many official tensors of one row each;
                        // `name` then contains "{}" for the row index
};

// `key` without the "tracker_model." prefix; `downsampler_layers` is the number of conv+norm
// stages of the memory encoder's mask downsampler (its final conv follows them). Returns nullopt
// for a key the table does not know.
std::optional<TrackerKeyMapping> hf_tracker_key_to_official(const std::string& key, int downsampler_layers);

}  // namespace sam3rt
