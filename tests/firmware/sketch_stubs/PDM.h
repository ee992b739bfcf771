// Stub for the type check of the sketch (see README.md).
#pragma once
#include <stddef.h>

class PDMClass {
 public:
  int begin(int channels, int sample_rate);
  void onReceive(void (*callback)(void));
  void setGain(int gain);
  void setBufferSize(int bytes);
  int available();
  int read(void* buffer, size_t bytes);
};
extern PDMClass PDM;
