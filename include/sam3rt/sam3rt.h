/*
 * sam3rt — SAM 3 ("Segment Anything with Concepts") inference in C and C++, without Python.
 *
 * This is the stable C interface. Give it an image and a prompt (a noun phrase, exemplar boxes,
 * or both) and it returns every matching instance as a score, a box and a mask.
 *
 *   sam3rt_model* model = NULL;
 *   sam3rt_model_params mp = sam3rt_model_default_params();
 *   if (sam3rt_model_load("sam3.pt", &mp, &model) != SAM3RT_OK) {
 *     fprintf(stderr, "%s\n", sam3rt_last_error());
 *     return 1;
 *   }
 *   sam3rt_session* session = NULL;
 *   sam3rt_session_params sp = sam3rt_session_default_params();
 *   sam3rt_session_create(model, &sp, &session);
 *   sam3rt_session_set_image_file(session, "photo.jpg");      // runs the image encoder once
 *   sam3rt_prompt prompt = sam3rt_prompt_default();
 *   prompt.text = "yellow school bus";
 *   sam3rt_result* result = NULL;
 *   sam3rt_session_predict(session, &prompt, &result);        // cheap: reuses the image features
 *   for (size_t i = 0; i < sam3rt_result_count(result); ++i) {
 *     float box[4];
 *     sam3rt_result_box(result, i, box);
 *     printf("%.3f  %.1f %.1f %.1f %.1f\n", sam3rt_result_score(result, i), box[0], box[1], box[2], box[3]);
 *   }
 *   sam3rt_result_free(result);
 *   sam3rt_session_free(session);
 *   sam3rt_model_free(model);
 *
 * Errors: every function that can fail returns a sam3rt_status; on failure
 * sam3rt_last_error() gives a one-line message (what was wrong and what to do). No C++ exception
 * ever crosses this interface.
 *
 * Threads: a model is immutable once loaded and may be shared by any number of sessions on any
 * threads (tested under ThreadSanitizer: tests/unit/test-concurrency.cpp). A session (and the
 * results it returns) must be used by one thread at a time; use one session per thread. Each
 * session's calls run with its own settings (the model's n_threads cap; the precision), installed
 * on the calling thread for the duration of the call. The CPU worker pool is shared: parallel
 * regions of concurrent sessions take turns on it. sam3rt_last_error() is per thread. Process-wide
 * and thread-safe, meant to be set up before the work starts: the log callback, the default
 * precision (sam3rt_set_precision) and the op profiler (which sums the ops of every thread).
 *
 * Lifetime: free results, then sessions, then the model (a session keeps the model's weights
 * alive internally, so freeing the model first is safe too). Pointers returned by accessors stay
 * valid until the object they came from is freed.
 *
 * Coordinates: boxes are xyxy in pixels of the original image with continuous edges (0 = left
 * edge of the image, width = right edge). Masks are row-major height × width bytes, 1 = object.
 */
#ifndef SAM3RT_H
#define SAM3RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SAM3RT_API __attribute__((visibility("default")))
#else
#define SAM3RT_API
#endif

/* ---- status and errors ------------------------------------------------------------------- */

typedef enum sam3rt_status {
  SAM3RT_OK = 0,
  SAM3RT_ERR_INVALID_ARGUMENT = 1,   /* bad prompt, box, option or pointer */
  SAM3RT_ERR_IO = 2,                 /* file missing, unreadable or unwritable */
  SAM3RT_ERR_FORMAT = 3,             /* corrupt or unsupported file contents */
  SAM3RT_ERR_UNSUPPORTED = 4,        /* feature not supported by this build or model */
  SAM3RT_ERR_DEVICE_UNAVAILABLE = 5, /* device not built in or not present */
  SAM3RT_ERR_OUT_OF_MEMORY = 6,
  SAM3RT_ERR_INTERNAL = 7            /* a bug in sam3rt: please report it with the message */
} sam3rt_status;

/* "ok", "invalid argument", "i/o error", ... */
SAM3RT_API const char* sam3rt_status_name(sam3rt_status status);

/* The message of the last failed call on this thread ("" if none). Valid until the next failing
 * call on the same thread. */
SAM3RT_API const char* sam3rt_last_error(void);

/* "0.1.0" */
SAM3RT_API const char* sam3rt_version(void);

/* ---- logging ----------------------------------------------------------------------------- */

typedef enum sam3rt_log_level {
  SAM3RT_LOG_DEBUG = 0,
  SAM3RT_LOG_INFO = 1,
  SAM3RT_LOG_WARNING = 2,
  SAM3RT_LOG_ERROR = 3
} sam3rt_log_level;

typedef void (*sam3rt_log_callback)(sam3rt_log_level level, const char* message, void* user_data);

/* The library never prints. Messages go to this callback (process-wide; NULL = drop them, the
 * default). The callback may be called from any thread that calls into the library. */
SAM3RT_API void sam3rt_set_log_callback(sam3rt_log_callback callback, void* user_data);

/* ---- precision --------------------------------------------------------------------------- */

/* Process-wide arithmetic of the matrix products: "fp32" (default: exact float32 everywhere) or
 * "tf32" (GPU products may use TF32 tensor cores, as the official SAM 3 code does by default:
 * several times faster on NVIDIA Ampere and later, ~1e-3 relative difference on the outputs;
 * no effect on the CPU) or "bf16" (bf16 operands with float32 accumulation, as the official bf16
 * autocast; only where the device has a bf16 path: loading a model on another device then fails
 * with SAM3RT_ERR_UNSUPPORTED). The default of every session's calls; set it before loading and
 * running a model. */
SAM3RT_API sam3rt_status sam3rt_set_precision(const char* precision);

/* ---- profiling ---------------------------------------------------------------------------- */

/* Per-op wall time (off by default; process-wide). While on, every op adds its elapsed time to a
 * table (an op called inside another op is counted once, in the outer one). */
typedef struct sam3rt_op_profile_row {
  const char* op; /* static string, e.g. "linear", "attention", "copy (layout/dtype)" */
  int64_t calls;
  double ms;
} sam3rt_op_profile_row;

SAM3RT_API void sam3rt_set_op_profiling(int on);
/* Copies up to `capacity` rows, most time first; returns how many rows there are. */
SAM3RT_API size_t sam3rt_op_profile(sam3rt_op_profile_row* rows, size_t capacity);
SAM3RT_API void sam3rt_op_profile_reset(void);

/* ---- devices ----------------------------------------------------------------------------- */

typedef struct sam3rt_device_info {
  char id[32];            /* "cpu", "cuda:0", "metal:0": what the `device` parameter accepts */
  char name[128];         /* "NVIDIA H100 80GB HBM3", "cpu (x86_64, 16 threads)" */
  uint64_t memory_bytes;  /* total device memory, 0 if unknown */
} sam3rt_device_info;

/* Fills up to `capacity` entries (devices may be NULL when capacity is 0) and sets *count to the
 * number of devices this build can use right now (the CPU is always one). */
SAM3RT_API sam3rt_status sam3rt_list_devices(sam3rt_device_info* devices, size_t capacity, size_t* count);

/* Resolves a device spec ("auto", "cpu", "cuda", "cuda:N", "metal") to a device id, as
 * sam3rt_model_load will. auto = CUDA if built and present, else Metal if built and present,
 * else CPU. A device that is not built or not present fails with SAM3RT_ERR_DEVICE_UNAVAILABLE
 * and a message that says how to get it; an unknown name with SAM3RT_ERR_INVALID_ARGUMENT. */
SAM3RT_API sam3rt_status sam3rt_select_device(const char* spec, char* id, size_t id_capacity);

/* ---- model ------------------------------------------------------------------------------- */

typedef struct sam3rt_model sam3rt_model;

typedef struct sam3rt_model_params {
  const char* device;          /* "auto" (default), "cpu", "cuda", "cuda:N", "metal" */
  const char* config_path;     /* for a bare sam3.pt: hyperparameters JSON; NULL = released SAM 3 */
  const char* tokenizer_path;  /* for a bare sam3.pt: CLIP merges (bpe_simple_vocab_16e6.txt.gz) */
  int n_threads;               /* CPU threads per call of this model's sessions; 0 = all cores (or
                                  SAM3RT_NUM_THREADS). The shared pool grows to fit, never shrinks. */
} sam3rt_model_params;

SAM3RT_API sam3rt_model_params sam3rt_model_default_params(void);

/* Loads a model: the native .sam3rt file, the official sam3.pt (with config and tokenizer), or a
 * Hugging Face folder (config.json + model.safetensors + tokenizer files). */
SAM3RT_API sam3rt_status sam3rt_model_load(const char* path, const sam3rt_model_params* params,
                                           sam3rt_model** model);
SAM3RT_API void sam3rt_model_free(sam3rt_model* model);
/* The device the model runs on ("cpu", "cuda:0"). */
SAM3RT_API const char* sam3rt_model_device(const sam3rt_model* model);
/* The square size images are resized to (1008 for SAM 3). */
SAM3RT_API int sam3rt_model_image_size(const sam3rt_model* model);

/* ---- image session ----------------------------------------------------------------------- */

typedef struct sam3rt_session sam3rt_session;

typedef struct sam3rt_session_params {
  int apply_exif_orientation;  /* rotate JPEGs by their EXIF orientation (default 0: as stored,
                                  which is what the reference implementation sees) */
} sam3rt_session_params;

SAM3RT_API sam3rt_session_params sam3rt_session_default_params(void);
SAM3RT_API sam3rt_status sam3rt_session_create(sam3rt_model* model, const sam3rt_session_params* params,
                                               sam3rt_session** session);
SAM3RT_API void sam3rt_session_free(sam3rt_session* session);

/* Decodes a JPEG or PNG and runs the image encoder once; every later predict reuses it. */
SAM3RT_API sam3rt_status sam3rt_session_set_image_file(sam3rt_session* session, const char* path);
/* Same from 8-bit RGB pixels: `stride` bytes between rows (0 = width·3). The pixels are copied. */
SAM3RT_API sam3rt_status sam3rt_session_set_image_rgb(sam3rt_session* session, const uint8_t* rgb, int width,
                                                      int height, size_t stride);
/* The current image: size, and its RGB pixels (row-major, width·3 bytes per row). */
SAM3RT_API sam3rt_status sam3rt_session_image(const sam3rt_session* session, int* width, int* height,
                                              const uint8_t** rgb);

typedef struct sam3rt_box {
  float x0, y0, x1, y1;  /* pixels of the original image */
  int positive;          /* 1 = an example of what to find, 0 = an example of what not to find */
} sam3rt_box;

typedef struct sam3rt_prompt {
  const char* text;         /* noun phrase, or NULL: then the boxes alone are the prompt */
  const sam3rt_box* boxes;  /* exemplar boxes (may be NULL when n_boxes is 0) */
  size_t n_boxes;
  float threshold;          /* keep instances with score > threshold; in [0, 1], default 0.5 */
} sam3rt_prompt;

/* Boxes: a NaN/infinite coordinate, x1 < x0, y1 < y0, or a box entirely outside the image is
 * refused (SAM3RT_ERR_INVALID_ARGUMENT); a box partly outside the image is used as given. */
SAM3RT_API sam3rt_prompt sam3rt_prompt_default(void);

typedef struct sam3rt_result sam3rt_result;

/* Runs the prompt on the session's image. Instances are sorted by score, descending. */
SAM3RT_API sam3rt_status sam3rt_session_predict(sam3rt_session* session, const sam3rt_prompt* prompt,
                                                sam3rt_result** result);

/* Debugging: writes the named intermediates of the next set_image + predict pair (the fixtures'
 * names: input.*, vit.*, backbone.*, text.*, encoder.*, decoder.*, raw.*, out.*) to a safetensors
 * file when that predict finishes. NULL turns it off. */
SAM3RT_API sam3rt_status sam3rt_session_set_dump_path(sam3rt_session* session, const char* path);

/* How many times the image encoder has run in this session (one per set_image). */
SAM3RT_API int sam3rt_session_backbone_runs(const sam3rt_session* session);

typedef struct sam3rt_timing {
  const char* stage;  /* "preprocess", "backbone", "text", "grounding", "postprocess" */
  double ms;
} sam3rt_timing;

/* Timings of the last set_image ("preprocess", "backbone"); *timings valid until the next set_image. */
SAM3RT_API size_t sam3rt_session_image_timings(const sam3rt_session* session, const sam3rt_timing** timings);

/* ---- results ----------------------------------------------------------------------------- */

SAM3RT_API size_t sam3rt_result_count(const sam3rt_result* result);
SAM3RT_API float sam3rt_result_presence(const sam3rt_result* result);  /* σ(presence logit) */
SAM3RT_API int sam3rt_result_width(const sam3rt_result* result);
SAM3RT_API int sam3rt_result_height(const sam3rt_result* result);
/* Instance i (0 ≤ i < count; out of range gives 0 / NULL / zeros): */
SAM3RT_API int sam3rt_result_query(const sam3rt_result* result, size_t i);    /* decoder query index */
SAM3RT_API float sam3rt_result_score(const sam3rt_result* result, size_t i);  /* σ(logit)·σ(presence) */
SAM3RT_API void sam3rt_result_box(const sam3rt_result* result, size_t i, float xyxy[4]);
SAM3RT_API const uint8_t* sam3rt_result_mask(const sam3rt_result* result, size_t i);  /* height·width, 0/1 */
/* "text", "grounding", "postprocess" of this predict; *timings valid until the result is freed. */
SAM3RT_API size_t sam3rt_result_timings(const sam3rt_result* result, const sam3rt_timing** timings);
SAM3RT_API void sam3rt_result_free(sam3rt_result* result);

/* ---- interactive segmentation: clicks, a box, a previous mask → one object --------------- */
/* Needs a model with tracker weights (sam3.pt, a Hugging Face sam3_video folder, or a .sam3rt
 * converted from one); otherwise sam3_session_click fails with SAM3RT_ERR_UNSUPPORTED. A click
 * on an image the session already encoded reruns only the prompt encoder and mask decoder. */

/* 1 when the model can answer click prompts (it holds tracker weights). */
SAM3RT_API int sam3rt_model_has_tracker(const sam3rt_model* model);
/* Side of the low-resolution logits (288 for the released model): mask_input is this square. */
SAM3RT_API int sam3rt_model_mask_input_size(const sam3rt_model* model);

typedef struct sam3rt_point {
  float x, y; /* pixels of the original image (continuous: 0 = left/top edge) */
  int label;  /* 1 = on the object, 0 = not on it; -1 (ignored), 2/3 (box corners) as SAM */
} sam3rt_point;

typedef struct sam3rt_click_prompt {
  const sam3rt_point* points; /* may be NULL when n_points is 0 */
  size_t n_points;
  const float* box;        /* NULL, or x0, y0, x1, y1 in pixels of the original image */
  const float* mask_input; /* NULL, or size·size low-resolution logits of a previous result
                              (sam3rt_click_result_low_res_logits), row-major */
  int mask_input_size;     /* side of mask_input: sam3rt_model_mask_input_size() */
  int multimask;           /* 1 (default): 3 candidates, for ambiguous prompts; 0: one mask */
} sam3rt_click_prompt;

/* No points, no box, no mask input, multimask 1. A prompt needs at least one of the three. */
SAM3RT_API sam3rt_click_prompt sam3rt_click_prompt_default(void);

typedef struct sam3rt_click_result sam3rt_click_result;

/* Points with NaN/infinite coordinates or labels outside -1..3, a box with x1 < x0 or y1 < y0,
 * a mask input of another size or with non-finite values, or an empty prompt are refused
 * (SAM3RT_ERR_INVALID_ARGUMENT). Points outside the image are used as given. */
SAM3RT_API sam3rt_status sam3rt_session_click(sam3rt_session* session, const sam3rt_click_prompt* prompt,
                                              sam3rt_click_result** result);

/* Candidates in decoder order (not sorted): 3 with multimask, else 1. */
SAM3RT_API size_t sam3rt_click_result_count(const sam3rt_click_result* result);
SAM3RT_API int sam3rt_click_result_width(const sam3rt_click_result* result);
SAM3RT_API int sam3rt_click_result_height(const sam3rt_click_result* result);
/* Candidate i (out of range gives 0 / NULL): predicted IoU, mask (height·width, 0/1),
 * low-resolution logits (*size × *size floats, clamped to ±32: pass one back as mask_input). */
SAM3RT_API float sam3rt_click_result_iou(const sam3rt_click_result* result, size_t i);
SAM3RT_API const uint8_t* sam3rt_click_result_mask(const sam3rt_click_result* result, size_t i);
SAM3RT_API const float* sam3rt_click_result_low_res_logits(const sam3rt_click_result* result, size_t i, int* size);
/* The decoder's object-score logit (> 0: the object is judged present). */
SAM3RT_API float sam3rt_click_result_object_score(const sam3rt_click_result* result);
/* "tracker_features" (0 when cached), "decoder", "postprocess"; valid until the result is freed. */
SAM3RT_API size_t sam3rt_click_result_timings(const sam3rt_click_result* result, const sam3rt_timing** timings);
SAM3RT_API void sam3rt_click_result_free(sam3rt_click_result* result);

/* ---- video tracking: prompts on any frames → objects tracked through the video ------------ */
/* Needs a model with tracker weights (sam3rt_model_has_tracker). A video is a folder of .jpg/.png
 * frames (sorted by the integer value of their names, else by name), one image, or a video file
 * when the build has FFmpeg. Frames are decoded and encoded when tracking reaches them, so memory
 * does not grow with the video's length. Object ids are the caller's (any int); new objects are
 * accepted until the first propagate (or after a reset). Coordinates are pixels of the frames.
 * Example (errors unchecked for brevity):
 *
 *   sam3rt_video_session* video = NULL;
 *   sam3rt_video_params vp = sam3rt_video_default_params();
 *   sam3rt_video_session_open(model, "frames/", &vp, &video);
 *   sam3rt_point click = {210, 350, 1};
 *   sam3rt_video_session_add_points(video, 0, 1, &click, 1);   // object 1 on frame 0
 *   sam3rt_video_session_propagate(video, SAM3RT_PROPAGATE_FORWARD, -1, -1, on_frame, NULL);
 *   sam3rt_video_session_close(video);
 */

typedef struct sam3rt_video_session sam3rt_video_session;

typedef struct sam3rt_video_params {
  int use_memory_selection; /* 1 (default): memory frames chosen by predicted quality (SAM 3's video
                               model); 0: the most recent frames (SAM 2) */
} sam3rt_video_params;

SAM3RT_API sam3rt_video_params sam3rt_video_default_params(void);
/* Opens the frames (a bad path, an empty folder or a corrupt video fail here) and prepares the
 * tracker; runs no network yet. */
SAM3RT_API sam3rt_status sam3rt_video_session_open(sam3rt_model* model, const char* path,
                                                   const sam3rt_video_params* params,
                                                   sam3rt_video_session** session);
SAM3RT_API void sam3rt_video_session_close(sam3rt_video_session* session);
/* Frame size, number of frames and nominal frame rate (0 when unknown, e.g. a folder). */
SAM3RT_API sam3rt_status sam3rt_video_session_info(const sam3rt_video_session* session, int* width,
                                                   int* height, int* frame_count, double* fps);

/* Clicks on object obj_id in frame `frame` (replacing the object's earlier prompt on that frame). */
SAM3RT_API sam3rt_status sam3rt_video_session_add_points(sam3rt_video_session* session, int frame, int obj_id,
                                                         const sam3rt_point* points, size_t n_points);
/* A box x0, y0, x1, y1, optionally refined by clicks (points may be NULL when n_points is 0). */
SAM3RT_API sam3rt_status sam3rt_video_session_add_box(sam3rt_video_session* session, int frame, int obj_id,
                                                      const float box[4], const sam3rt_point* points,
                                                      size_t n_points);
/* A mask (row-major height × width bytes, non-zero = object) of any size: resized to the frames. */
SAM3RT_API sam3rt_status sam3rt_video_session_add_mask(sam3rt_video_session* session, int frame, int obj_id,
                                                       const uint8_t* mask, int width, int height);
/* An id that was never prompted is SAM3RT_ERR_INVALID_ARGUMENT. */
SAM3RT_API sam3rt_status sam3rt_video_session_remove_object(sam3rt_video_session* session, int obj_id);
/* Forgets every object, prompt and tracking result. */
SAM3RT_API sam3rt_status sam3rt_video_session_reset(sam3rt_video_session* session);

typedef enum sam3rt_propagate_direction {
  SAM3RT_PROPAGATE_FORWARD = 0,  /* start, start+1, ... */
  SAM3RT_PROPAGATE_BACKWARD = 1, /* start, start-1, ... */
  SAM3RT_PROPAGATE_BOTH = 2      /* forward, then start-1, start-2, ...: every frame once */
} sam3rt_propagate_direction;

typedef struct sam3rt_video_object {
  int id;
  float score;          /* σ(object score logit): the object is judged present when > 0.5 */
  float box_xyxy[4];    /* tight box of the mask, x1/y1 exclusive; zeros when the mask is empty */
  const char* mask_rle; /* COCO RLE "counts" string (pycocotools), size height × width */
} sam3rt_video_object;

typedef struct sam3rt_video_frame {
  int frame; /* index in the video */
  int width, height;
  size_t n_objects;
  const sam3rt_video_object* objects; /* every object, in the order they were first prompted */
} sam3rt_video_frame;

/* Called once per frame in processing order; `frame` and its strings are valid during the call
 * only. Return 0 to go on, non-zero to stop the propagation (it then returns SAM3RT_OK). */
typedef int (*sam3rt_video_frame_callback)(const sam3rt_video_frame* frame, void* user_data);

/* direction: a sam3rt_propagate_direction (an int, so that any value a caller passes is checked
 * rather than undefined); start_frame: -1 = the first prompted frame; max_frames: frames to track
 * after the start frame, -1 = all. An unknown direction, nothing prompted, or a start outside the
 * video is SAM3RT_ERR_INVALID_ARGUMENT. */
SAM3RT_API sam3rt_status sam3rt_video_session_propagate(sam3rt_video_session* session, int direction,
                                                        int start_frame, int max_frames,
                                                        sam3rt_video_frame_callback callback,
                                                        void* user_data);

/* ---- concept tracking in video: every instance of a noun phrase, tracked -------------------- */
/* SAM 3's video model (the official Sam3VideoPredictor.handle_request): a text prompt (and/or one
 * exemplar box) on a frame finds every matching instance, gives each an id and tracks it through
 * the video; instances that appear later are picked up, duplicates and drifting tracks dropped.
 * Clicks refine one object (or add a new one) and re-track only it. Needs a model with tracker
 * weights and a tokenizer. Coordinates are pixels of the frames (converted to the official relative
 * ones inside). Frames are decoded when processing reaches them and not kept. Object ids are given
 * by the session (0, 1, ...; never reused), except for objects added by clicks. Example:
 *
 *   sam3rt_concept_session* cv = NULL;
 *   sam3rt_concept_session_open(model, "video.mp4", NULL, 0, &cv);
 *   sam3rt_concept_session_add_prompt(cv, 0, "person", NULL, 1, on_frame, NULL);
 *   sam3rt_concept_session_propagate(cv, SAM3RT_PROPAGATE_BOTH, -1, -1, on_frame, NULL);
 *   sam3rt_concept_session_close(cv);
 */

typedef struct sam3rt_concept_session sam3rt_concept_session;

/* One threshold of the video model by its official name (e.g. "new_det_thresh",
 * "score_threshold_detection", "hotstart_delay", "recondition_every_nth_frame", "fill_hole_area",
 * "use_memory_selection"); integer and boolean options take integral values. Defaults are the
 * official build_sam3_video_model's; docs/video.md lists them all. */
typedef struct sam3rt_concept_option {
  const char* name;
  double value;
} sam3rt_concept_option;

typedef struct sam3rt_concept_object {
  int id;
  float score;          /* the detection probability when the object was born (1 for clicked objects) */
  float tracker_score;  /* σ(tracker object score) on this frame (0 when unknown) */
  float box_xywh[4];    /* x, y, w, h of the mask's inclusive pixel extents, divided by width/height */
  const char* mask_rle; /* COCO RLE "counts" string (pycocotools), size height × width */
} sam3rt_concept_object;

typedef struct sam3rt_concept_frame {
  int frame; /* index in the video */
  int width, height;
  size_t n_objects;
  const sam3rt_concept_object* objects; /* ids ascending; masks do not overlap */
} sam3rt_concept_frame;

/* Called once per output frame; `frame` and its strings are valid during the call only. Return 0
 * to go on, non-zero to stop (the call then returns SAM3RT_OK). */
typedef int (*sam3rt_concept_frame_callback)(const sam3rt_concept_frame* frame, void* user_data);

/* Opens the frames (as sam3rt_video_session_open) with the given options (NULL/0: the official
 * defaults); an unknown option name or a bad value is SAM3RT_ERR_INVALID_ARGUMENT. Runs no network. */
SAM3RT_API sam3rt_status sam3rt_concept_session_open(sam3rt_model* model, const char* path,
                                                     const sam3rt_concept_option* options, size_t n_options,
                                                     sam3rt_concept_session** session);
SAM3RT_API void sam3rt_concept_session_close(sam3rt_concept_session* session);
SAM3RT_API sam3rt_status sam3rt_concept_session_info(const sam3rt_concept_session* session, int* width,
                                                     int* height, int* frame_count, double* fps);
/* A semantic prompt on `frame`: text (NULL = none), and/or one exemplar box x0, y0, x1, y1 in pixels
 * (NULL = none) with its label (1 positive, 0 negative). Starts the session over (every object,
 * click and result is forgotten), runs the frame and reports it through `callback` (may be NULL).
 * A text that matches nothing gives frames without objects, not an error. */
SAM3RT_API sam3rt_status sam3rt_concept_session_add_prompt(sam3rt_concept_session* session, int frame,
                                                           const char* text, const float* box, int box_label,
                                                           sam3rt_concept_frame_callback callback,
                                                           void* user_data);
/* Clicks (pixels, label 1/0) on object obj_id in `frame`: an existing id is refined, a new id (>= 0)
 * is added. The next propagate re-tracks only the clicked objects. Reports the frame. */
SAM3RT_API sam3rt_status sam3rt_concept_session_add_points(sam3rt_concept_session* session, int frame,
                                                           int obj_id, const sam3rt_point* points,
                                                           size_t n_points,
                                                           sam3rt_concept_frame_callback callback,
                                                           void* user_data);
/* An id not tracked is SAM3RT_ERR_INVALID_ARGUMENT. */
SAM3RT_API sam3rt_status sam3rt_concept_session_remove_object(sam3rt_concept_session* session, int obj_id);
/* Forgets prompts, objects and results (the frames stay open). */
SAM3RT_API sam3rt_status sam3rt_concept_session_reset(sam3rt_concept_session* session);
/* direction: a sam3rt_propagate_direction; forward runs start … start+max_frames, backward
 * start−1 down to start−max_frames, both = forward then backward (the official order).
 * start_frame -1: the first frame with results; max_frames -1: all. The first propagation after a
 * prompt runs the model on every frame; after clicks only the clicked objects are re-tracked; a
 * propagation over frames already done replays them. With the default hotstart a frame is reported
 * up to 14 frames after it was processed. Nothing prompted is SAM3RT_ERR_INVALID_ARGUMENT. */
SAM3RT_API sam3rt_status sam3rt_concept_session_propagate(sam3rt_concept_session* session, int direction,
                                                          int start_frame, int max_frames,
                                                          sam3rt_concept_frame_callback callback,
                                                          void* user_data);

#ifdef __cplusplus
}
#endif

#endif /* SAM3RT_H */
