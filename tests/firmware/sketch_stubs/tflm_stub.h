// Stub for the type check of the sketch (see README.md): the TFLM API the sketch calls.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef enum { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
typedef enum { kTfLiteNoType = 0, kTfLiteFloat32 = 1, kTfLiteUInt8 = 3, kTfLiteInt8 = 9 } TfLiteType;
typedef struct { float scale; int32_t zero_point; } TfLiteQuantizationParams;
typedef union { int8_t* int8; uint8_t* uint8; float* f; void* raw; } TfLitePtrUnion;
typedef struct {
  TfLiteType type;
  TfLitePtrUnion data;
  size_t bytes;
  TfLiteQuantizationParams params;
} TfLiteTensor;

#define TFLITE_SCHEMA_VERSION (3)

void MicroPrintf(const char* format, ...);

namespace tflite {

class Model {
 public:
  uint32_t version() const;
};
const Model* GetModel(const void* buffer);
void InitializeTarget();

class MicroOpResolver {};

template <unsigned int tOpCount>
class MicroMutableOpResolver : public MicroOpResolver {
 public:
  TfLiteStatus AddAdd();
  TfLiteStatus AddAssignVariable();
  TfLiteStatus AddAveragePool2D();
  TfLiteStatus AddCallOnce();
  TfLiteStatus AddConcatenation();
  TfLiteStatus AddConv2D();
  TfLiteStatus AddDepthwiseConv2D();
  TfLiteStatus AddDequantize();
  TfLiteStatus AddExpandDims();
  TfLiteStatus AddFullyConnected();
  TfLiteStatus AddHardSwish();
  TfLiteStatus AddLogistic();
  TfLiteStatus AddMaxPool2D();
  TfLiteStatus AddMean();
  TfLiteStatus AddMul();
  TfLiteStatus AddPack();
  TfLiteStatus AddPad();
  TfLiteStatus AddQuantize();
  TfLiteStatus AddReadVariable();
  TfLiteStatus AddRelu();
  TfLiteStatus AddRelu6();
  TfLiteStatus AddReshape();
  TfLiteStatus AddShape();
  TfLiteStatus AddSoftmax();
  TfLiteStatus AddSplitV();
  TfLiteStatus AddSqueeze();
  TfLiteStatus AddStridedSlice();
  TfLiteStatus AddSub();
  TfLiteStatus AddTanh();
  TfLiteStatus AddTranspose();
  TfLiteStatus AddVarHandle();
};

class MicroAllocator {
 public:
  static MicroAllocator* Create(uint8_t* arena, size_t arena_size);
};

class MicroResourceVariables {
 public:
  static MicroResourceVariables* Create(MicroAllocator* allocator, int num_variables);
  void ResetAll();
};

class MicroInterpreter {
 public:
  MicroInterpreter(const Model* model, const MicroOpResolver& resolver, uint8_t* arena, size_t arena_size);
  MicroInterpreter(const Model* model, const MicroOpResolver& resolver, MicroAllocator* allocator,
                   MicroResourceVariables* resource_variables);
  TfLiteStatus AllocateTensors();
  TfLiteStatus Invoke();
  TfLiteTensor* input(size_t index);
  TfLiteTensor* output(size_t index);
  size_t arena_used_bytes() const;
};

}  // namespace tflite
