// Stub for the type check of the sketch (see ../../../README.md).
#pragma once
#include "tflm_stub.h"
