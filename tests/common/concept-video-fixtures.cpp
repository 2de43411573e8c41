#include "common/concept-video-fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/test-util.h"
#include "common/video-fixtures.h"
#include "io/image.h"
#include "io/safetensors.h"
#include "model/sam3-image.h"
#include "model/sam3-tracker.h"
#include "pipeline/concept-video.h"
#include "pipeline/preprocess.h"
#include "text/clip-tokenizer.h"

namespace sam3rt::test {

std::string concept_video_dir() { return data_dir() + "/sam3-tiny-concept-video"; }

std::vector<std::string> concept_video_session_names() {
  std::vector<std::string> names;
  const std::string dir = concept_video_dir() + "/sessions";
  if (!std::filesystem::is_directory(dir)) return names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

using nlohmann::json;
using pipeline::ConceptFrame;

std::vector<int> ints(const json& j) {
  std::vector<int> v;
  if (j.is_null()) return v;
  for (const auto& x : j) v.push_back(x.get<int>());
  return v;
}

template <class Set>
std::vector<int> sorted(const Set& s) {
  std::vector<int> v(s.begin(), s.end());
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<uint8_t> unpack_bits(const Tensor& packed_row, size_t pixels) {
  std::vector<uint8_t> out(pixels);
  const uint8_t* p = packed_row.data<uint8_t>();
  for (size_t i = 0; i < pixels; ++i) out[i] = (p[i / 8] >> (7 - i % 8)) & 1;
  return out;
}

struct Comparer {
  const std::map<std::string, Tensor>& ref;
  ConceptParityReport& report;
  int W, H;

  const Tensor* get(const std::string& name) const {
    auto it = ref.find(name);
    return it == ref.end() ? nullptr : &it->second;
  }

  // One emitted frame (or prompt response) against `<key>.*`.
  void frame(const std::string& key, const ConceptFrame& ours) {
    ++report.frames_compared;
    // empty tensors are not recorded: no ids = no objects
    const Tensor* ids_t = get(key + ".obj_ids");
    std::vector<int> ref_ids;
    if (ids_t)
      for (float v : ids_t->to_vector()) ref_ids.push_back(static_cast<int>(std::lround(v)));
    std::vector<int> our_ids;
    for (const auto& o : ours.objects) our_ids.push_back(o.id);
    EXPECT_EQ(our_ids, ref_ids) << key << ": object ids";
    if (our_ids != ref_ids) return;
    const size_t n = ref_ids.size();
    if (n == 0) return;
    const std::vector<float> probs = get(key + ".probs")->to_vector();
    const Tensor* tp = get(key + ".tracker_probs");
    const std::vector<float> boxes = get(key + ".boxes_xywh")->to_vector();
    const Tensor packed = get(key + ".masks_packed")->contiguous();
    const size_t pixels = static_cast<size_t>(W) * H, row = static_cast<size_t>(packed.size(1));
    for (size_t i = 0; i < n; ++i) {
      const auto& o = ours.objects[i];
      const double dp = std::fabs(o.score - probs[i]);
      report.worst_score_diff = std::max(report.worst_score_diff, dp);
      EXPECT_LE(dp, 1e-4) << key << ": object " << o.id << " score " << o.score << " vs " << probs[i];
      if (tp) {
        const double dt = std::fabs(o.tracker_score - tp->to_vector()[i]);
        report.worst_score_diff = std::max(report.worst_score_diff, dt);
        EXPECT_LE(dt, 1e-4) << key << ": object " << o.id << " tracker prob";
      }
      // boxes come from the masks: a boundary pixel that flips moves an edge by one pixel
      for (int k = 0; k < 4; ++k)
        EXPECT_NEAR(o.box_xywh[k], boxes[i * 4 + k], 1.01 / std::min(W, H))
            << key << ": object " << o.id << " box";
      Tensor r = packed.narrow(0, static_cast<int64_t>(i), 1).contiguous();
      const std::vector<uint8_t> rm = unpack_bits(r, pixels);
      const std::vector<uint8_t> om = pipeline::rle_decode(o.mask);
      (void)row;
      size_t same = 0;
      for (size_t p = 0; p < pixels; ++p) same += (om[p] != 0) == (rm[p] != 0);
      const double agree = static_cast<double>(same) / static_cast<double>(pixels);
      report.worst_mask_agreement = std::min(report.worst_mask_agreement, agree);
      EXPECT_GE(agree, 0.999) << key << ": object " << o.id << " mask agrees on " << agree * 100 << "%";
    }
  }

  // A per-frame decision record against our trace entry.
  void record(const std::string& req, const json& rec, const pipeline::ConceptFrameTrace& t) {
    ++report.records_compared;
    const int f = rec.at("frame").get<int>();
    const std::string at = req + ".f" + std::to_string(f);
    EXPECT_EQ(t.frame, f) << at << ": frame order";
    if (t.frame != f) return;
    if (rec.value("kind", std::string()) == "partial") {
      EXPECT_TRUE(t.partial) << at << ": expected a partial step";
      if (const Tensor* s = get(at + ".partial.obj_score_logits")) {
        const std::vector<float> r = s->to_vector();
        ASSERT_EQ(r.size(), t.trk_obj_score_logits.size()) << at;
        for (size_t i = 0; i < r.size(); ++i)
          EXPECT_NEAR(t.trk_obj_score_logits[i], r[i], 1e-3) << at << " partial score";
      }
      return;
    }
    if (rec.contains("reverse")) {
      EXPECT_EQ(t.reverse, rec["reverse"].get<bool>()) << at;
    }
    if (rec.contains("allow_new_detections")) {
      EXPECT_EQ(t.allow_new_detections, rec["allow_new_detections"].get<bool>()) << at;
    }
    if (const Tensor* raw = get(at + ".det.raw_logits")) {
      const std::vector<float> r = raw->to_vector();
      ASSERT_EQ(r.size(), t.det_raw_logits.size()) << at;
      for (size_t q = 0; q < r.size(); ++q) {
        report.worst_det_diff =
            std::max(report.worst_det_diff, static_cast<double>(std::fabs(r[q] - t.det_raw_logits[q])));
        EXPECT_NEAR(t.det_raw_logits[q], r[q], 1e-3) << at << ": detector joint logit of query " << q;
      }
    }
    EXPECT_EQ(t.det_query_idx, ints(rec.at("det_query_idx"))) << at << ": detections kept";
    EXPECT_EQ(t.trk_obj_ids, ints(rec.at("trk_obj_ids"))) << at << ": tracks before the frame";
    if (const Tensor* s = get(at + ".det.scores"); s && t.det_query_idx == ints(rec.at("det_query_idx"))) {
      const std::vector<float> r = s->to_vector();
      for (size_t i = 0; i < r.size(); ++i)
        EXPECT_NEAR(t.det_scores[i], r[i], 1e-4) << at << ": detection " << i;
    }
    if (const Tensor* s = get(at + ".trk.obj_score_logits");
        s && t.trk_obj_ids == ints(rec.at("trk_obj_ids"))) {
      const std::vector<float> r = s->to_vector();
      for (size_t i = 0; i < r.size(); ++i)
        EXPECT_NEAR(t.trk_obj_score_logits[i], r[i], 1e-3) << at << ": tracker score of " << t.trk_obj_ids[i];
    }
    if (const Tensor* m = get(at + ".trk.low_res_masks"); m && t.trk_obj_ids == ints(rec.at("trk_obj_ids"))) {
      const std::vector<float> r = m->to_vector();
      const size_t LL = t.trk_masks.empty() ? 0 : t.trk_masks[0].size();
      for (size_t i = 0; i < t.trk_masks.size(); ++i) {
        size_t same = 0;
        for (size_t p = 0; p < LL; ++p) same += (t.trk_masks[i][p] > 0) == (r[i * LL + p] > 0);
        EXPECT_GE(static_cast<double>(same) / static_cast<double>(LL), 0.999)
            << at << ": tracker mask of " << t.trk_obj_ids[i];
      }
    }
    EXPECT_EQ(t.new_obj_ids, ints(rec.at("new_obj_ids"))) << at << ": new objects";
    EXPECT_EQ(t.assoc.new_dets, ints(rec.at("new_det_inds"))) << at << ": new detections";
    EXPECT_EQ(sorted(t.assoc.unmatched_trks), sorted(ints(rec.at("unmatched_trk_obj_ids"))))
        << at << ": unmatched";
    EXPECT_EQ(sorted(t.assoc.empty_trks), sorted(ints(rec.at("empty_trk_obj_ids"))))
        << at << ": empty tracks";
    EXPECT_EQ(sorted(t.newly_removed), ints(rec.at("newly_removed_obj_ids"))) << at << ": hotstart removals";
    EXPECT_EQ(sorted(t.removed), ints(rec.at("removed_obj_ids"))) << at << ": removed so far";
    if (rec.contains("suppressed_obj_ids")) {
      EXPECT_EQ(sorted(t.suppressed), ints(rec["suppressed_obj_ids"])) << at;
    }
    if (rec.contains("occlusion_suppressed_obj_ids")) {
      EXPECT_EQ(sorted(t.occlusion_suppressed), ints(rec["occlusion_suppressed_obj_ids"]))
          << at << ": occlusion";
    }
    if (rec.contains("reconditioned")) {
      EXPECT_EQ(t.reconditioned, rec["reconditioned"].get<bool>()) << at;
    }
    EXPECT_EQ(t.obj_ids_after, ints(rec.at("obj_ids_after"))) << at << ": objects after the frame";
    if (rec.contains("det_to_matched_trk_obj_ids")) {
      for (const auto& [d, ids] : rec["det_to_matched_trk_obj_ids"].items()) {
        auto it = t.assoc.det_to_matched_trks.find(std::stoi(d));
        EXPECT_TRUE(it != t.assoc.det_to_matched_trks.end()) << at << ": det " << d;
        if (it != t.assoc.det_to_matched_trks.end()) {
          EXPECT_EQ(sorted(it->second), sorted(ints(ids))) << at << ": det " << d;
        }
      }
    }
    if (rec.contains("obj_id_to_score"))
      for (const auto& [id, v] : rec["obj_id_to_score"].items()) {
        auto it = t.obj_id_to_score.find(std::stoi(id));
        EXPECT_TRUE(it != t.obj_id_to_score.end()) << at << ": score of " << id;
        if (it != t.obj_id_to_score.end()) {
          EXPECT_NEAR(it->second, v.get<double>(), 1e-4) << at << ": score of " << id;
        }
      }
  }
};

// "r<i>" (built by appending: g++ 12 warns falsely about `"r" + std::to_string(i)` under -O2)
std::string request_name(size_t i) {
  std::string s(1, 'r');
  s += std::to_string(i);
  return s;
}

pipeline::ConceptVideoOptions options_of(const json& manifest) {
  pipeline::ConceptVideoOptions o;
  if (manifest.contains("options"))
    for (const auto& [k, v] : manifest["options"].items()) {
      if (v.is_null()) continue;
      const double value = v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
      bool known = false;
      for (const std::string& n : pipeline::concept_option_names()) known = known || n == k;
      if (known) pipeline::set_concept_option(o, k, value);  // options sam3rt has no use for are skipped
    }
  if (manifest.contains("tracker_use_memory_selection"))
    o.use_memory_selection = manifest["tracker_use_memory_selection"].get<bool>();
  return o;
}

}  // namespace

ConceptParityReport run_concept_video_session(const std::string& name, Device device, bool bounded_memory) {
  ConceptParityReport report;
  const std::string base = concept_video_dir() + "/sessions/" + name;
  const json manifest = json::parse(std::ifstream(base + ".json"));
  const std::map<std::string, Tensor> reference = load_safetensors(base + ".safetensors");
  const auto model = tiny_video_model(device);
  pipeline::ConceptVideoOptions options = options_of(manifest);
  options.bounded_memory = bounded_memory;
  TrackerOptions tracker_options;
  tracker_options.use_memory_selection = options.use_memory_selection;
  const Sam3Tracker tracker(model->config(), model->weights(), tracker_options);
  const ClipTokenizer tokenizer(model->loaded().bpe_merges, model->config().bpe_merges);
  const int S = model->config().image_size;
  const std::string frames = manifest.value("frames", std::string("frames/%05d.png"));
  auto pixels = [&](int f) {
    char path[64];
    std::snprintf(path, sizeof path, frames.c_str(), f);
    return preprocess_image(decode_image_file(concept_video_dir() + "/" + path), S);
  };
  auto text = [&](const std::string& t) {
    const int context = model->config().text_context;
    return model->encode_text(Tensor::from_vector_i32({1, context}, tokenizer.encode(t, context)));
  };
  const int W = manifest.at("video_size_wh")[0], H = manifest.at("video_size_wh")[1];
  pipeline::ConceptVideo video(*model, tracker, pixels, text, manifest.at("num_frames").get<int>(), W, H,
                               options);
  std::vector<pipeline::ConceptFrameTrace> trace;
  video.set_trace(&trace);
  Comparer cmp{reference, report, W, H};

  const json& records = manifest.at("frames_processed");
  size_t next_record = 0;
  auto check_records = [&](size_t request) {
    // every record of this request against the trace entries made since the last check
    std::vector<const json*> mine;
    for (; next_record < records.size() &&
           records[next_record].value("request", -1) == static_cast<int>(request);
         ++next_record)
      mine.push_back(&records[next_record]);
    EXPECT_EQ(trace.size(), mine.size()) << "r" << request << ": frames run through the per-frame algorithm";
    for (size_t i = 0; i < std::min(trace.size(), mine.size()); ++i)
      cmp.record(request_name(request), *mine[i], trace[i]);
    trace.clear();
  };

  const json& requests = manifest.at("requests");
  for (size_t r = 0; r < requests.size(); ++r) {
    const json& q = requests[r];
    const std::string type = q.at("type");
    const std::string label = request_name(r) + " (" + type + ")";
    SCOPED_TRACE(label);
    if (type == "add_prompt") {
      const int frame = q.at("frame_index");
      ConceptFrame out;
      if (q.contains("points") && !q["points"].is_null()) {
        std::vector<std::array<float, 2>> points;
        for (const auto& p : q["points"]) points.push_back({p[0].get<float>(), p[1].get<float>()});
        out = video.add_points(frame, q.at("obj_id").get<int>(), points, ints(q.at("point_labels")));
      } else {
        std::optional<std::string> t;
        if (q.contains("text") && !q["text"].is_null()) t = q["text"].get<std::string>();
        std::optional<pipeline::ConceptBox> box;
        if (q.contains("bounding_boxes") && !q["bounding_boxes"].is_null()) {
          const auto& b = q["bounding_boxes"][0];
          box = pipeline::ConceptBox{
              {b[0].get<float>(), b[1].get<float>(), b[2].get<float>(), b[3].get<float>()},
              q["bounding_box_labels"][0].get<int>() != 0};
        }
        out = video.add_prompt(frame, t, box);
      }
      EXPECT_EQ(out.frame, q.value("response_frame_index", frame));
      if (q.contains("key")) cmp.frame(q["key"].get<std::string>(), out);
    } else if (type == "propagate_in_video") {
      const std::string dir = q.value("propagation_direction", std::string("both"));
      std::optional<int> start, max_frames;
      if (q.contains("start_frame_index") && !q["start_frame_index"].is_null())
        start = q["start_frame_index"].get<int>();
      if (q.contains("max_frame_num_to_track") && !q["max_frame_num_to_track"].is_null())
        max_frames = q["max_frame_num_to_track"].get<int>();
      std::vector<ConceptFrame> emitted;
      std::vector<pipeline::PropagationType> types;
      auto collect = [&](const ConceptFrame& f) {
        emitted.push_back(f);
        report.max_stored_tracker_frames =
            std::max(report.max_stored_tracker_frames, video.stored_tracker_frames());
      };
      const int first = start ? *start : video.default_start();
      video.set_backward_pass_from(dir == "both" && first > 0 ? first - 1 : -1);
      if (dir == "both" || dir == "forward")
        types.push_back(video.propagate(start, max_frames, false, collect));
      video.set_backward_pass_from(-1);
      if (dir == "both" || dir == "backward")
        types.push_back(video.propagate(start, max_frames, true, collect));
      if (q.contains("passes"))
        for (size_t p = 0; p < std::min(types.size(), q["passes"].size()); ++p) {
          const std::string want = q["passes"][p].at("propagation_type");
          const char* got = types[p] == pipeline::PropagationType::kFull      ? "propagation_full"
                            : types[p] == pipeline::PropagationType::kPartial ? "propagation_partial"
                                                                              : "propagation_fetch";
          EXPECT_EQ(got, want) << label << ": pass " << p;
        }
      const json& yields = q.at("yields");
      std::vector<int> want_frames, got_frames;
      for (const auto& y : yields) want_frames.push_back(y.at("frame_index"));
      for (const auto& e : emitted) got_frames.push_back(e.frame);
      EXPECT_EQ(got_frames, want_frames) << label << ": emitted frames";
      for (size_t i = 0; i < std::min(emitted.size(), yields.size()); ++i) {
        if (emitted[i].frame != yields[i].at("frame_index").get<int>()) continue;
        cmp.frame(yields[i].at("key").get<std::string>(), emitted[i]);
        if (yields[i].contains("frame_stats") && !yields[i]["frame_stats"].is_null()) {
          EXPECT_EQ(emitted[i].num_obj_tracked, yields[i]["frame_stats"].at("num_obj_tracked").get<int>())
              << label << ": frame " << emitted[i].frame;
        }
      }
    } else if (type == "remove_object") {
      video.remove_object(q.at("obj_id").get<int>(), q.value("is_user_action", true));
    } else if (type == "reset_session") {
      video.reset();
    } else {
      continue;  // start_session / close_session: nothing to replay
    }
    check_records(r);
  }
  std::printf(
      "[%s %s%s] %d frames, %d per-frame records; worst score diff %.3g, worst mask agreement %.5f%%, "
      "worst detector logit diff %.3g; at most %zu tracker frame outputs held\n",
      name.c_str(), device.str().c_str(), bounded_memory ? " bounded" : "", report.frames_compared,
      report.records_compared, report.worst_score_diff, report.worst_mask_agreement * 100,
      report.worst_det_diff, report.max_stored_tracker_frames);
  return report;
}

}  // namespace sam3rt::test
