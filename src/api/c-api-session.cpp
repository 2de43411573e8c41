// C API: models, image sessions and results, over pipeline::ImageSession. No exception crosses
// these functions (api::guarded).
#include <sys/stat.h>

#include <cmath>
#include <cstring>

#include "api/api-internal.h"
#include "api/dump-writer.h"
#include "backend/backend.h"
#include "core/log.h"
#include "core/thread-pool.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "model/sam3-image.h"
#include "text/clip-tokenizer.h"

using namespace sam3rt;

namespace {

bool path_exists(const char* path) {
  struct stat st;
  return ::stat(path, &st) == 0;
}

const pipeline::Instance* instance_at(const sam3rt_result* r, size_t i) {
  if (!r || i >= r->result.instances.size()) return nullptr;
  return &r->result.instances[i];
}

}  // namespace

namespace sam3rt::api {

void fill_timings(const pipeline::Timings& src, std::vector<sam3rt_timing>* dst) {
  dst->clear();
  for (const auto& [stage, ms] : src) dst->push_back({stage.c_str(), ms});
}

void flush_dump(sam3rt_session* session) {
  if (session->dump_path.empty()) return;
  write_dump(session->dump_path, session->session->dump());
  session->session->enable_dump(false);
  session->dump_path.clear();
}

}  // namespace sam3rt::api

using api::fill_timings;

extern "C" {

sam3rt_model_params sam3rt_model_default_params(void) {
  sam3rt_model_params p;
  p.device = "auto";
  p.config_path = nullptr;
  p.tokenizer_path = nullptr;
  p.n_threads = 0;
  return p;
}

sam3rt_status sam3rt_model_load(const char* path, const sam3rt_model_params* params, sam3rt_model** model) {
  return api::guarded([&] {
    SAM3RT_CHECK(model != nullptr, kInvalidArgument, "sam3rt_model_load: model is NULL");
    *model = nullptr;
    SAM3RT_CHECK(path != nullptr && *path, kInvalidArgument, "sam3rt_model_load: no model path given");
    const sam3rt_model_params p = params ? *params : sam3rt_model_default_params();
    SAM3RT_CHECK(p.n_threads >= 0, kInvalidArgument, "n_threads must be >= 0, got ", p.n_threads);
    // Pick the device first: a missing GPU should not cost a multi-gigabyte load.
    const Device device = select_device(p.device ? p.device : "auto");
    check_precision_supported(device, matmul_precision());
    SAM3RT_CHECK(path_exists(path), kIo, "model '", path,
                 "' does not exist; pass sam3.pt, a .sam3rt file or a Hugging Face folder");
    // Threads are a per-session setting (Context::n_threads); the shared pool only grows to fit.
    if (p.n_threads > num_threads()) set_num_threads(p.n_threads);

    LoadOptions opts;
    if (p.config_path) opts.config_path = p.config_path;
    if (p.tokenizer_path) opts.tokenizer_path = p.tokenizer_path;
    // The CPU's bf16 products read the linear layers' weights in bf16: keep them so (LoadOptions).
    // The CUDA backend uploads f32 weights and keeps its own bf16 copies.
    opts.bf16_linear_weights = device.is_cpu() && matmul_precision() == MatmulPrecision::kBf16;
    auto loaded = std::make_shared<const LoadedModel>(load_model(path, opts));
    auto m = std::make_unique<sam3rt_model>();
    m->model = std::make_shared<const Sam3ImageModel>(loaded, device);
    m->n_threads = p.n_threads;
    // Every prompt goes through the text encoder (boxes alone use the word "visual"), so a model
    // without merges (a bare .pt loaded without tokenizer_path) could answer nothing: say so now,
    // before any image is encoded.
    SAM3RT_CHECK(!loaded->bpe_merges.empty(), kInvalidArgument, "model '", path,
                 "' has no tokenizer; pass the CLIP merges file (bpe_simple_vocab_16e6.txt.gz, shipped with "
                 "the official sam3 repository) with --tokenizer or tokenizer_path");
    m->tokenizer = std::make_shared<const ClipTokenizer>(loaded->bpe_merges, loaded->config.bpe_merges);
    m->device = device.str();
    log_debug("loaded ", path, " (", loaded->format, ") on ", m->device);
    *model = m.release();
  });
}

void sam3rt_model_free(sam3rt_model* model) { delete model; }

const char* sam3rt_model_device(const sam3rt_model* model) { return model ? model->device.c_str() : ""; }

int sam3rt_model_image_size(const sam3rt_model* model) {
  return model ? model->model->config().image_size : 0;
}

sam3rt_session_params sam3rt_session_default_params(void) {
  sam3rt_session_params p;
  p.apply_exif_orientation = 0;
  return p;
}

sam3rt_status sam3rt_session_create(sam3rt_model* model, const sam3rt_session_params* params,
                                    sam3rt_session** session) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_session_create: session is NULL");
    *session = nullptr;
    SAM3RT_CHECK(model != nullptr, kInvalidArgument, "sam3rt_session_create: model is NULL");
    auto s = std::make_unique<sam3rt_session>();
    s->model = model->model;
    s->session = std::make_unique<pipeline::ImageSession>(model->model, model->tokenizer);
    Context context;
    context.n_threads = model->n_threads;
    s->session->set_context(context);
    s->apply_exif_orientation = params && params->apply_exif_orientation;
    *session = s.release();
  });
}

void sam3rt_session_free(sam3rt_session* session) { delete session; }

static void set_image(sam3rt_session* s, const Image& image) {
  s->session->set_image(image);
  fill_timings(s->session->image_timings(), &s->image_timings);
}

sam3rt_status sam3rt_session_set_image_file(sam3rt_session* session, const char* path) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_session_set_image_file: session is NULL");
    SAM3RT_CHECK(path != nullptr && *path, kInvalidArgument, "sam3rt_session_set_image_file: no path given");
    DecodeOptions opts;
    opts.apply_exif_orientation = session->apply_exif_orientation;
    set_image(session, decode_image_file(path, opts));
  });
}

sam3rt_status sam3rt_session_set_image_rgb(sam3rt_session* session, const uint8_t* rgb, int width, int height,
                                           size_t stride) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_session_set_image_rgb: session is NULL");
    SAM3RT_CHECK(rgb != nullptr, kInvalidArgument, "sam3rt_session_set_image_rgb: pixels are NULL");
    SAM3RT_CHECK(width > 0 && height > 0, kInvalidArgument, "sam3rt_session_set_image_rgb: image size ",
                 width, "x", height, " is empty");
    const size_t row = static_cast<size_t>(width) * 3;
    if (stride == 0) stride = row;
    SAM3RT_CHECK(stride >= row, kInvalidArgument, "sam3rt_session_set_image_rgb: stride ", stride,
                 " is smaller than width·3 = ", row);
    Image image;
    image.width = width;
    image.height = height;
    image.rgb.resize(row * height);
    for (int y = 0; y < height; ++y) std::memcpy(image.rgb.data() + y * row, rgb + y * stride, row);
    set_image(session, image);
  });
}

sam3rt_status sam3rt_session_image(const sam3rt_session* session, int* width, int* height,
                                   const uint8_t** rgb) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_session_image: session is NULL");
    SAM3RT_CHECK(session->session->has_image(), kInvalidArgument, "sam3rt_session_image: no image set");
    const Image& im = session->session->image();
    if (width) *width = im.width;
    if (height) *height = im.height;
    if (rgb) *rgb = im.rgb.data();
  });
}

sam3rt_prompt sam3rt_prompt_default(void) {
  sam3rt_prompt p;
  p.text = nullptr;
  p.boxes = nullptr;
  p.n_boxes = 0;
  p.threshold = 0.5f;
  return p;
}

sam3rt_status sam3rt_session_set_dump_path(sam3rt_session* session, const char* path) {
  return api::guarded([&] {
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_session_set_dump_path: session is NULL");
    session->dump_path = path ? path : "";
    session->session->enable_dump(!session->dump_path.empty());
  });
}

sam3rt_status sam3rt_session_predict(sam3rt_session* session, const sam3rt_prompt* prompt,
                                     sam3rt_result** result) {
  return api::guarded([&] {
    SAM3RT_CHECK(result != nullptr, kInvalidArgument, "sam3rt_session_predict: result is NULL");
    *result = nullptr;
    SAM3RT_CHECK(session != nullptr, kInvalidArgument, "sam3rt_session_predict: session is NULL");
    SAM3RT_CHECK(prompt != nullptr, kInvalidArgument, "sam3rt_session_predict: prompt is NULL");
    SAM3RT_CHECK(prompt->boxes != nullptr || prompt->n_boxes == 0, kInvalidArgument,
                 "sam3rt_session_predict: boxes is NULL but n_boxes is ", prompt->n_boxes);
    pipeline::Prompt p;
    if (prompt->text) p.text = std::string(prompt->text);
    for (size_t i = 0; i < prompt->n_boxes; ++i) {
      const sam3rt_box& b = prompt->boxes[i];
      p.boxes.push_back({{b.x0, b.y0, b.x1, b.y1}, b.positive != 0});
    }
    p.threshold = prompt->threshold;
    auto r = std::make_unique<sam3rt_result>();
    r->result = session->session->predict(p);
    r->width = session->session->image().width;
    r->height = session->session->image().height;
    fill_timings(r->result.timings, &r->timings);
    api::flush_dump(session);
    *result = r.release();
  });
}

int sam3rt_session_backbone_runs(const sam3rt_session* session) {
  return session ? session->session->backbone_runs() : 0;
}

size_t sam3rt_session_image_timings(const sam3rt_session* session, const sam3rt_timing** timings) {
  if (!session || !timings) return 0;
  *timings = session->image_timings.data();
  return session->image_timings.size();
}

size_t sam3rt_result_count(const sam3rt_result* r) { return r ? r->result.instances.size() : 0; }
float sam3rt_result_presence(const sam3rt_result* r) { return r ? r->result.presence : 0.f; }
int sam3rt_result_width(const sam3rt_result* r) { return r ? r->width : 0; }
int sam3rt_result_height(const sam3rt_result* r) { return r ? r->height : 0; }

int sam3rt_result_query(const sam3rt_result* r, size_t i) {
  const auto* inst = instance_at(r, i);
  return inst ? inst->query : 0;
}
float sam3rt_result_score(const sam3rt_result* r, size_t i) {
  const auto* inst = instance_at(r, i);
  return inst ? inst->score : 0.f;
}
void sam3rt_result_box(const sam3rt_result* r, size_t i, float xyxy[4]) {
  if (!xyxy) return;
  const auto* inst = instance_at(r, i);
  for (int k = 0; k < 4; ++k) xyxy[k] = inst ? inst->box_xyxy[k] : 0.f;
}
const uint8_t* sam3rt_result_mask(const sam3rt_result* r, size_t i) {
  const auto* inst = instance_at(r, i);
  return inst ? inst->mask.data<uint8_t>() : nullptr;
}
size_t sam3rt_result_timings(const sam3rt_result* r, const sam3rt_timing** timings) {
  if (!r || !timings) return 0;
  *timings = r->timings.data();
  return r->timings.size();
}
void sam3rt_result_free(sam3rt_result* r) { delete r; }

}  // extern "C"
