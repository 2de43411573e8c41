// C API: video tracking over pipeline::VideoSession. No exception crosses these functions
// (api::guarded); a callback's request to stop ends the propagation without an error.
#include <limits>
#include <memory>

#include "api/api-internal.h"
#include "model/sam3-image.h"
#include "pipeline/video-session.h"

using namespace sam3rt;

struct sam3rt_video_session {
  std::shared_ptr<const Sam3ImageModel> model;  // kept alive as long as the session
  std::unique_ptr<pipeline::VideoSession> session;
};

namespace {

// Thrown through VideoSession::propagate when the caller's callback asks to stop.
struct StopRequested {};

sam3rt_video_session* checked(sam3rt_video_session* s, const char* fn) {
  SAM3RT_CHECK(s != nullptr, kInvalidArgument, fn, ": session is NULL");
  return s;
}

std::vector<pipeline::VideoClick> clicks_of(const sam3rt_point* points, size_t n, const char* fn) {
  SAM3RT_CHECK(points != nullptr || n == 0, kInvalidArgument, fn, ": points is NULL but n_points is ", n);
  std::vector<pipeline::VideoClick> clicks;
  for (size_t i = 0; i < n; ++i) clicks.push_back({points[i].x, points[i].y, points[i].label});
  return clicks;
}

}  // namespace

extern "C" {

sam3rt_video_params sam3rt_video_default_params(void) {
  sam3rt_video_params p;
  p.use_memory_selection = 1;
  return p;
}

sam3rt_status sam3rt_video_session_open(sam3rt_model* model, const char* path,
                                        const sam3rt_video_params* params, sam3rt_video_session** session) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_video_session_open: session is NULL");
    *session = nullptr;
    SAM3RT_CHECK(model != nullptr, kInvalidArgument, "sam3rt_video_session_open: model is NULL");
    SAM3RT_CHECK(path != nullptr && *path, kInvalidArgument, "sam3rt_video_session_open: no path given");
    pipeline::VideoSessionOptions options;
    options.use_memory_selection = params ? params->use_memory_selection != 0 : true;
    auto s = std::make_unique<sam3rt_video_session>();
    s->model = model->model;
    s->session = std::make_unique<pipeline::VideoSession>(model->model, io::open_frame_source(path), options);
    Context context;
    context.n_threads = model->n_threads;
    s->session->set_context(context);
    *session = s.release();
  });
}

void sam3rt_video_session_close(sam3rt_video_session* session) { delete session; }

sam3rt_status sam3rt_video_session_info(const sam3rt_video_session* session, int* width, int* height,
                                        int* frame_count, double* fps) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_video_session_info: session is NULL");
    const io::VideoInfo& info = session->session->info();
    if (width) *width = info.width;
    if (height) *height = info.height;
    if (frame_count) *frame_count = session->session->num_frames();
    if (fps) *fps = info.fps;
  });
}

sam3rt_status sam3rt_video_session_add_points(sam3rt_video_session* session, int frame, int obj_id,
                                              const sam3rt_point* points, size_t n_points) {
  return api::guarded([&] {
    const char* fn = "sam3rt_video_session_add_points";
    checked(session, fn)->session->add_points(frame, obj_id, clicks_of(points, n_points, fn));
  });
}

sam3rt_status sam3rt_video_session_add_box(sam3rt_video_session* session, int frame, int obj_id,
                                           const float box[4], const sam3rt_point* points, size_t n_points) {
  return api::guarded([&] {
    const char* fn = "sam3rt_video_session_add_box";
    checked(session, fn);
    SAM3RT_CHECK(box != nullptr, kInvalidArgument, fn, ": box is NULL");
    session->session->add_box(frame, obj_id, {box[0], box[1], box[2], box[3]},
                              clicks_of(points, n_points, fn));
  });
}

sam3rt_status sam3rt_video_session_add_mask(sam3rt_video_session* session, int frame, int obj_id,
                                            const uint8_t* mask, int width, int height) {
  return api::guarded([&] {
    checked(session, "sam3rt_video_session_add_mask")->session->add_mask(frame, obj_id, mask, width, height);
  });
}

sam3rt_status sam3rt_video_session_remove_object(sam3rt_video_session* session, int obj_id) {
  return api::guarded(
      [&] { checked(session, "sam3rt_video_session_remove_object")->session->remove_object(obj_id); });
}

sam3rt_status sam3rt_video_session_reset(sam3rt_video_session* session) {
  return api::guarded([&] { checked(session, "sam3rt_video_session_reset")->session->reset(); });
}

sam3rt_status sam3rt_video_session_propagate(sam3rt_video_session* session, int direction, int start_frame,
                                             int max_frames, sam3rt_video_frame_callback callback,
                                             void* user_data) {
  return api::guarded([&] {
    const char* fn = "sam3rt_video_session_propagate";
    checked(session, fn);
    SAM3RT_CHECK(direction == SAM3RT_PROPAGATE_FORWARD || direction == SAM3RT_PROPAGATE_BACKWARD ||
                     direction == SAM3RT_PROPAGATE_BOTH,
                 kInvalidArgument, fn, ": unknown direction ", direction,
                 " (SAM3RT_PROPAGATE_FORWARD, _BACKWARD or _BOTH)");
    SAM3RT_CHECK(start_frame >= -1, kInvalidArgument, fn, ": start_frame ", start_frame,
                 " is negative (-1 = the first prompted frame)");
    SAM3RT_CHECK(max_frames >= -1, kInvalidArgument, fn, ": max_frames ", max_frames,
                 " is negative (-1 = all)");
    const auto dir = direction == SAM3RT_PROPAGATE_FORWARD    ? pipeline::PropagateDirection::kForward
                     : direction == SAM3RT_PROPAGATE_BACKWARD ? pipeline::PropagateDirection::kBackward
                                                              : pipeline::PropagateDirection::kBoth;
    const io::VideoInfo& info = session->session->info();
    std::vector<std::string> rles;
    std::vector<sam3rt_video_object> objects;
    try {
      session->session->propagate(
          dir, start_frame < 0 ? std::nullopt : std::optional<int>(start_frame),
          max_frames < 0 ? std::nullopt : std::optional<int>(max_frames),
          [&](const pipeline::VideoFrameResult& r) {
            if (!callback) return;
            rles.clear();
            objects.clear();
            for (const pipeline::VideoObjectResult& o : r.objects)
              rles.push_back(pipeline::rle_to_string(o.mask.counts));
            for (size_t i = 0; i < r.objects.size(); ++i) {
              const pipeline::VideoObjectResult& o = r.objects[i];
              objects.push_back({o.id,
                                 o.score,
                                 {o.box_xyxy[0], o.box_xyxy[1], o.box_xyxy[2], o.box_xyxy[3]},
                                 rles[i].c_str()});
            }
            const sam3rt_video_frame frame{r.frame, info.width, info.height, objects.size(), objects.data()};
            if (callback(&frame, user_data) != 0) throw StopRequested{};
          });
    } catch (const StopRequested&) {
    }
  });
}

}  // extern "C"
