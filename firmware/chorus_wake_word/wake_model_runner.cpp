#include "wake_model_runner.h"

#include <TensorFlowLite.h>
#include <string.h>

#include "model_data.h"
#include "model_settings.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_log.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/micro_resource_variable.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace {

constexpr int kInputBytes = CHORUS_STRIDE_FRAMES * CHORUS_CHANNELS;
constexpr TfLiteType kOutputType = CHORUS_OUTPUT_UNSIGNED ? kTfLiteUInt8 : kTfLiteInt8;
alignas(16) uint8_t g_arena[CHORUS_ARENA_BYTES];
tflite::MicroInterpreter* g_interpreter = nullptr;
tflite::MicroResourceVariables* g_variables = nullptr;
TfLiteTensor* g_input = nullptr;
TfLiteTensor* g_output = nullptr;

}  // namespace

bool wake_model_runner_begin() {
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
    // the variables live in the arena, beside the tensors, as ESPHome's micro_wake_word allocates them
    tflite::MicroAllocator* allocator = tflite::MicroAllocator::Create(g_arena, CHORUS_ARENA_BYTES);
    g_variables = tflite::MicroResourceVariables::Create(allocator, CHORUS_RESOURCE_VARIABLES);
    if (allocator == nullptr || g_variables == nullptr) {
        MicroPrintf("no room for %d resource variables in a %d-byte arena", CHORUS_RESOURCE_VARIABLES,
                    CHORUS_ARENA_BYTES);
        return false;
    }
    static tflite::MicroInterpreter interpreter(model, resolver, allocator, g_variables);
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
        MicroPrintf("the model's input is not the int8 %dx%d features of model_settings.h", CHORUS_STRIDE_FRAMES,
                    CHORUS_CHANNELS);
        return false;
    }
    if (g_output->type != kOutputType || g_output->bytes != 1 || g_output->params.scale != CHORUS_OUTPUT_SCALE ||
        g_output->params.zero_point != CHORUS_OUTPUT_ZERO_POINT) {
        MicroPrintf("the model's output is not the one probability model_settings.h describes");
        return false;
    }
    return true;
}

bool wake_model_runner_invoke(const int8_t* features, int32_t* raw_output) {
    memcpy(g_input->data.int8, features, kInputBytes);
    if (g_interpreter->Invoke() != kTfLiteOk) {
        return false;
    }
    *raw_output = CHORUS_OUTPUT_UNSIGNED ? (int32_t)g_output->data.uint8[0] : (int32_t)g_output->data.int8[0];
    return true;
}

void wake_model_runner_reset() {
    if (g_variables != nullptr) {
        g_variables->ResetAll();
    }
}

size_t wake_model_runner_arena_used() {
    return g_interpreter != nullptr ? g_interpreter->arena_used_bytes() : 0;
}
