#include "model_runner.h"

#include <TensorFlowLite.h>
#include <string.h>

#include "model_data.h"
#include "model_settings.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_log.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace {

constexpr int kInputBytes = CHORUS_FRAMES * CHORUS_CHANNELS;
alignas(16) uint8_t g_arena[CHORUS_ARENA_BYTES];
tflite::MicroInterpreter* g_interpreter = nullptr;
TfLiteTensor* g_input = nullptr;
TfLiteTensor* g_output = nullptr;

}  // namespace

bool model_runner_begin() {
    tflite::InitializeTarget();
    const tflite::Model* model = tflite::GetModel(g_model);
    if (model->version() != TFLITE_SCHEMA_VERSION) {
        MicroPrintf("model schema %d, this TFLM reads %d", (int)model->version(), TFLITE_SCHEMA_VERSION);
        return false;
    }
    static tflite::MicroMutableOpResolver<CHORUS_OP_COUNT> resolver;
    if (!CHORUS_REGISTER_OPS(resolver)) {
        MicroPrintf("could not register the ops %s", CHORUS_OP_NAMES);
        return false;
    }
    static tflite::MicroInterpreter interpreter(model, resolver, g_arena, CHORUS_ARENA_BYTES);
    g_interpreter = &interpreter;
    if (interpreter.AllocateTensors() != kTfLiteOk) {
        MicroPrintf("AllocateTensors failed in a %d-byte arena", CHORUS_ARENA_BYTES);
        return false;
    }
    g_input = interpreter.input(0);
    g_output = interpreter.output(0);
    // the features are quantized with the header's numbers: they must be the model's
    if (g_input->type != kTfLiteInt8 || g_input->bytes != (size_t)kInputBytes ||
        g_input->params.scale != CHORUS_INPUT_SCALE || g_input->params.zero_point != CHORUS_INPUT_ZERO_POINT) {
        MicroPrintf("the model's input is not the int8 %dx%d features of model_settings.h", CHORUS_FRAMES,
                    CHORUS_CHANNELS);
        return false;
    }
    if (g_output->type != kTfLiteInt8 || g_output->bytes != (size_t)CHORUS_LABEL_COUNT ||
        g_output->params.scale != CHORUS_OUTPUT_SCALE || g_output->params.zero_point != CHORUS_OUTPUT_ZERO_POINT) {
        MicroPrintf("the model's output is not %d int8 scores as model_settings.h says", CHORUS_LABEL_COUNT);
        return false;
    }
    return true;
}

bool model_runner_invoke(const int8_t* features, float* probabilities) {
    memcpy(g_input->data.int8, features, kInputBytes);
    if (g_interpreter->Invoke() != kTfLiteOk) {
        return false;
    }
    // kws.quantize.Quantization.dequantize
    for (int i = 0; i < CHORUS_LABEL_COUNT; ++i) {
        probabilities[i] = (float)(g_output->data.int8[i] - CHORUS_OUTPUT_ZERO_POINT) * CHORUS_OUTPUT_SCALE;
    }
    return true;
}

size_t model_runner_arena_used() {
    return g_interpreter != nullptr ? g_interpreter->arena_used_bytes() : 0;
}
