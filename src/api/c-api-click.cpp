// C API: interactive segmentation (clicks, a box, a previous mask → one object's masks).
#include <memory>

#include "api/api-internal.h"
#include "model/sam3-image.h"

using namespace sam3rt;

namespace {
const pipeline::ClickResult* click_result(const sam3rt_click_result* r, size_t i) {
  return r && i < r->result.iou.size() ? &r->result : nullptr;
}
}  // namespace

extern "C" {

int sam3rt_model_has_tracker(const sam3rt_model* model) { return model && model->model->has_tracker() ? 1 : 0; }

int sam3rt_model_mask_input_size(const sam3rt_model* model) {
  return model ? model->model->config().low_res_mask_size() : 0;
}

sam3rt_click_prompt sam3rt_click_prompt_default(void) {
  sam3rt_click_prompt p;
  p.points = nullptr;
  p.n_points = 0;
  p.box = nullptr;
  p.mask_input = nullptr;
  p.mask_input_size = 0;
  p.multimask = 1;
  return p;
}

sam3rt_status sam3rt_session_click(sam3rt_session* session, const sam3rt_click_prompt* prompt,
                                   sam3rt_click_result** result) {
  return api::guarded([&] {
    SAM3RT_CHECK(result != nullptr, kInvalidArgument, "sam3rt_session_click: result is NULL");
    *result = nullptr;
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_session_click: session is NULL");
    SAM3RT_CHECK(prompt != nullptr, kInvalidArgument, "sam3rt_session_click: prompt is NULL");
    SAM3RT_CHECK(prompt->points != nullptr || prompt->n_points == 0, kInvalidArgument,
                 "sam3rt_session_click: points is NULL but n_points is ", prompt->n_points);
    pipeline::ClickPrompt p;
    for (size_t i = 0; i < prompt->n_points; ++i)
      p.points.push_back({prompt->points[i].x, prompt->points[i].y, prompt->points[i].label});
    if (prompt->box) p.box = std::array<float, 4>{prompt->box[0], prompt->box[1], prompt->box[2], prompt->box[3]};
    if (prompt->mask_input) {
      const int n = prompt->mask_input_size;
      SAM3RT_CHECK(n > 0 && n <= (1 << 14), kInvalidArgument, "sam3rt_session_click: mask_input_size ", n,
                   " is not a valid size; pass sam3rt_model_mask_input_size(model)");
      p.mask_input = Tensor::empty({n, n});
      std::copy(prompt->mask_input, prompt->mask_input + static_cast<size_t>(n) * n, p.mask_input.data<float>());
    }
    p.multimask = prompt->multimask != 0;
    auto r = std::make_unique<sam3rt_click_result>();
    r->result = session->session->click(p);
    r->width = session->session->image().width;
    r->height = session->session->image().height;
    api::fill_timings(r->result.timings, &r->timings);
    api::flush_dump(session);
    *result = r.release();
  });
}

size_t sam3rt_click_result_count(const sam3rt_click_result* r) { return r ? r->result.iou.size() : 0; }
int sam3rt_click_result_width(const sam3rt_click_result* r) { return r ? r->width : 0; }
int sam3rt_click_result_height(const sam3rt_click_result* r) { return r ? r->height : 0; }

float sam3rt_click_result_iou(const sam3rt_click_result* r, size_t i) {
  return click_result(r, i) ? r->result.iou[i] : 0.f;
}

const uint8_t* sam3rt_click_result_mask(const sam3rt_click_result* r, size_t i) {
  if (!click_result(r, i)) return nullptr;
  return r->result.masks.data<uint8_t>() + i * static_cast<size_t>(r->width) * r->height;
}

const float* sam3rt_click_result_low_res_logits(const sam3rt_click_result* r, size_t i, int* size) {
  if (!click_result(r, i)) return nullptr;
  const int64_t m = r->result.low_res_logits.size(1);
  if (size) *size = static_cast<int>(m);
  return r->result.low_res_logits.data<float>() + i * m * m;
}

float sam3rt_click_result_object_score(const sam3rt_click_result* r) { return r ? r->result.object_score_logit : 0.f; }

size_t sam3rt_click_result_timings(const sam3rt_click_result* r, const sam3rt_timing** timings) {
  if (!r || !timings) return 0;
  *timings = r->timings.data();
  return r->timings.size();
}

void sam3rt_click_result_free(sam3rt_click_result* r) { delete r; }

}  // extern "C"
