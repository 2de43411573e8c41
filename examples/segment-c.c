/* Segment a concept in an image with the sam3rt C API.
 *
 *   segment-c MODEL IMAGE TEXT [CONFIG TOKENIZER]
 *
 * CONFIG and TOKENIZER are only needed for a bare .pt checkpoint (for example the tiny test
 * model); the native .sam3rt file and the Hugging Face folder carry both. */
#include <stdio.h>

#include "sam3rt/sam3rt.h"

static void log_to_stderr(sam3rt_log_level level, const char* message, void* user) {
  (void)user;
  if (level >= SAM3RT_LOG_INFO) fprintf(stderr, "sam3rt: %s\n", message);
}

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    fprintf(stderr, "usage: %s MODEL IMAGE TEXT [CONFIG TOKENIZER]\n", argv[0]);
    return 2;
  }
  sam3rt_set_log_callback(log_to_stderr, NULL);

  sam3rt_model_params mp = sam3rt_model_default_params();
  if (argc == 6) {
    mp.config_path = argv[4];
    mp.tokenizer_path = argv[5];
  }
  sam3rt_model* model = NULL;
  if (sam3rt_model_load(argv[1], &mp, &model) != SAM3RT_OK) {
    fprintf(stderr, "error: %s\n", sam3rt_last_error());
    return 1;
  }
  sam3rt_session* session = NULL;
  sam3rt_result* result = NULL;
  int rc = 1;
  sam3rt_session_params sp = sam3rt_session_default_params();
  if (sam3rt_session_create(model, &sp, &session) != SAM3RT_OK) goto done;
  if (sam3rt_session_set_image_file(session, argv[2]) != SAM3RT_OK) goto done;

  sam3rt_prompt prompt = sam3rt_prompt_default();
  prompt.text = argv[3];
  if (sam3rt_session_predict(session, &prompt, &result) != SAM3RT_OK) goto done;

  printf("device %s, presence %.3f, %zu instance(s)\n", sam3rt_model_device(model),
         sam3rt_result_presence(result), sam3rt_result_count(result));
  for (size_t i = 0; i < sam3rt_result_count(result); ++i) {
    float box[4];
    sam3rt_result_box(result, i, box);
    const uint8_t* mask = sam3rt_result_mask(result, i);
    size_t area = 0;
    for (size_t p = 0; p < (size_t)sam3rt_result_width(result) * sam3rt_result_height(result); ++p)
      area += mask[p];
    printf("  score %.3f  box %.1f %.1f %.1f %.1f  mask area %zu px\n", sam3rt_result_score(result, i),
           box[0], box[1], box[2], box[3], area);
  }
  rc = 0;

done:
  if (rc != 0) fprintf(stderr, "error: %s\n", sam3rt_last_error());
  sam3rt_result_free(result);
  sam3rt_session_free(session);
  sam3rt_model_free(model);
  return rc;
}
