// Stub for the type check of the sketch (see README.md).
#pragma once
