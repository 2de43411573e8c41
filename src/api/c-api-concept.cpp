// C API: concept tracking in video over pipeline::ConceptSession. No exception crosses these
// functions (api::guarded); a callback's request to stop ends the call without an error.
#include <cmath>
#include <limits>
#include <memory>

#include "api/api-internal.h"
#include "model/sam3-image.h"
#include "pipeline/concept-session.h"

using namespace sam3rt;

struct sam3rt_concept_session {
  std::shared_ptr<const Sam3ImageModel> model;  // kept alive as long as the session
  std::shared_ptr<const ClipTokenizer> tokenizer;
  std::unique_ptr<pipeline::ConceptSession> session;
};

namespace {

struct StopRequested {};

sam3rt_concept_session* checked(sam3rt_concept_session* s, const char* fn) {
  SAM3RT_CHECK(s != nullptr, kInvalidArgument, fn, ": session is NULL");
  return s;
}

// Reports one frame through the callback; throws StopRequested when it asks to stop.
void report(const sam3rt_concept_session* s, const pipeline::ConceptFrame& f,
            sam3rt_concept_frame_callback cb, void* user) {
  if (!cb) return;
  const io::VideoInfo& info = s->session->info();
  std::vector<std::string> rles;
  for (const pipeline::ConceptObject& o : f.objects) rles.push_back(pipeline::rle_to_string(o.mask.counts));
  std::vector<sam3rt_concept_object> objects;
  for (size_t i = 0; i < f.objects.size(); ++i) {
    const pipeline::ConceptObject& o = f.objects[i];
    objects.push_back({o.id,
                       o.score,
                       o.tracker_score,
                       {o.box_xywh[0], o.box_xywh[1], o.box_xywh[2], o.box_xywh[3]},
                       rles[i].c_str()});
  }
  const sam3rt_concept_frame frame{f.frame, info.width, info.height, objects.size(), objects.data()};
  if (cb(&frame, user) != 0) throw StopRequested{};
}

template <class F>
sam3rt_status guarded_with_stop(F&& f) {
  return api::guarded([&] {
    try {
      f();
    } catch (const StopRequested&) {
    }
  });
}

}  // namespace

extern "C" {

sam3rt_status sam3rt_concept_session_open(sam3rt_model* model, const char* path,
                                          const sam3rt_concept_option* options, size_t n_options,
                                          sam3rt_concept_session** session) {
  return api::guarded([&] {
    const char* fn = "sam3rt_concept_session_open";
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, fn, ": session is NULL");
    *session = nullptr;
    SAM3RT_CHECK(model != nullptr, kInvalidArgument, fn, ": model is NULL");
    SAM3RT_CHECK(path != nullptr && *path, kInvalidArgument, fn, ": no path given");
    SAM3RT_CHECK(options != nullptr || n_options == 0, kInvalidArgument, fn,
                 ": options is NULL but n_options is ", n_options);
    pipeline::ConceptVideoOptions o;
    for (size_t i = 0; i < n_options; ++i) {
      SAM3RT_CHECK(options[i].name != nullptr, kInvalidArgument, fn, ": option ", i, " has no name");
      pipeline::set_concept_option(o, options[i].name, options[i].value);
    }
    auto s = std::make_unique<sam3rt_concept_session>();
    s->model = model->model;
    s->tokenizer = model->tokenizer;
    s->session = std::make_unique<pipeline::ConceptSession>(model->model, model->tokenizer,
                                                            io::open_frame_source(path), o);
    Context context;
    context.n_threads = model->n_threads;
    s->session->set_context(context);
    *session = s.release();
  });
}

void sam3rt_concept_session_close(sam3rt_concept_session* session) { delete session; }

sam3rt_status sam3rt_concept_session_info(const sam3rt_concept_session* session, int* width, int* height,
                                          int* frame_count, double* fps) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_concept_session_info: session is NULL");
    const io::VideoInfo& info = session->session->info();
    if (width) *width = info.width;
    if (height) *height = info.height;
    if (frame_count) *frame_count = session->session->num_frames();
    if (fps) *fps = info.fps;
  });
}

sam3rt_status sam3rt_concept_session_add_prompt(sam3rt_concept_session* session, int frame, const char* text,
                                                const float* box, int box_label,
                                                sam3rt_concept_frame_callback callback, void* user_data) {
  return guarded_with_stop([&] {
    const char* fn = "sam3rt_concept_session_add_prompt";
    checked(session, fn);
    SAM3RT_CHECK(text != nullptr || box != nullptr, kInvalidArgument, fn, ": give a text, a box or both");
    std::optional<pipeline::ConceptBox> b;
    if (box) {
      const io::VideoInfo& info = session->session->info();
      for (int k = 0; k < 4; ++k)
        SAM3RT_CHECK(std::isfinite(box[k]), kInvalidArgument, fn, ": box coordinates must be finite");
      SAM3RT_CHECK(box[2] >= box[0] && box[3] >= box[1], kInvalidArgument, fn, ": box ", box[0], ",", box[1],
                   ",", box[2], ",", box[3], " has x1 < x0 or y1 < y0; give boxes as X0,Y0,X1,Y1");
      SAM3RT_CHECK(box[0] >= 0 && box[1] >= 0 && box[2] <= info.width && box[3] <= info.height,
                   kInvalidArgument, fn, ": box ", box[0], ",", box[1], ",", box[2], ",", box[3],
                   " reaches outside the ", info.width, "x", info.height, " frame");
      const float W = static_cast<float>(info.width), H = static_cast<float>(info.height);
      b = pipeline::ConceptBox{{box[0] / W, box[1] / H, (box[2] - box[0]) / W, (box[3] - box[1]) / H},
                               box_label != 0};
    }
    const pipeline::ConceptFrame f =
        session->session->add_prompt(frame, text ? std::optional<std::string>(text) : std::nullopt, b);
    report(session, f, callback, user_data);
  });
}

sam3rt_status sam3rt_concept_session_add_points(sam3rt_concept_session* session, int frame, int obj_id,
                                                const sam3rt_point* points, size_t n_points,
                                                sam3rt_concept_frame_callback callback, void* user_data) {
  return guarded_with_stop([&] {
    const char* fn = "sam3rt_concept_session_add_points";
    checked(session, fn);
    SAM3RT_CHECK(points != nullptr && n_points > 0, kInvalidArgument, fn, ": no points given");
    const io::VideoInfo& info = session->session->info();
    std::vector<std::array<float, 2>> rel;
    std::vector<int> labels;
    for (size_t i = 0; i < n_points; ++i) {
      rel.push_back(
          {points[i].x / static_cast<float>(info.width), points[i].y / static_cast<float>(info.height)});
      labels.push_back(points[i].label);
    }
    report(session, session->session->add_points(frame, obj_id, rel, labels), callback, user_data);
  });
}

sam3rt_status sam3rt_concept_session_remove_object(sam3rt_concept_session* session, int obj_id) {
  return api::guarded(
      [&] { checked(session, "sam3rt_concept_session_remove_object")->session->remove_object(obj_id); });
}

sam3rt_status sam3rt_concept_session_reset(sam3rt_concept_session* session) {
  return api::guarded([&] { checked(session, "sam3rt_concept_session_reset")->session->reset(); });
}

sam3rt_status sam3rt_concept_session_propagate(sam3rt_concept_session* session, int direction,
                                               int start_frame, int max_frames,
                                               sam3rt_concept_frame_callback callback, void* user_data) {
  return guarded_with_stop([&] {
    const char* fn = "sam3rt_concept_session_propagate";
    checked(session, fn);
    SAM3RT_CHECK(direction == SAM3RT_PROPAGATE_FORWARD || direction == SAM3RT_PROPAGATE_BACKWARD ||
                     direction == SAM3RT_PROPAGATE_BOTH,
                 kInvalidArgument, fn, ": unknown direction ", direction,
                 " (SAM3RT_PROPAGATE_FORWARD, _BACKWARD or _BOTH)");
    SAM3RT_CHECK(start_frame >= -1, kInvalidArgument, fn, ": start_frame ", start_frame,
                 " is negative (-1 = the first frame with results)");
    SAM3RT_CHECK(max_frames >= -1, kInvalidArgument, fn, ": max_frames ", max_frames,
                 " is negative (-1 = all)");
    const auto dir = direction == SAM3RT_PROPAGATE_FORWARD    ? pipeline::PropagateDirection::kForward
                     : direction == SAM3RT_PROPAGATE_BACKWARD ? pipeline::PropagateDirection::kBackward
                                                              : pipeline::PropagateDirection::kBoth;
    session->session->propagate(
        dir, start_frame < 0 ? std::nullopt : std::optional<int>(start_frame),
        max_frames < 0 ? std::nullopt : std::optional<int>(max_frames),
        [&](const pipeline::ConceptFrame& f) { report(session, f, callback, user_data); });
  });
}

}  // extern "C"
