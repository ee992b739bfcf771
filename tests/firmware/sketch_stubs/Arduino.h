// Stub for the type check of the sketch (see README.md).
#pragma once
#include <stddef.h>
#include <stdint.h>

#define HIGH 1
#define LOW 0
#define OUTPUT 1
#define LED_BUILTIN 13
#define LEDR 22
#define LEDG 23
#define LEDB 24

void pinMode(int pin, int mode);
void digitalWrite(int pin, int value);
unsigned long millis();

class SerialPort {
 public:
  void begin(unsigned long baud);
  explicit operator bool() const;
  size_t print(const char* text);
  size_t print(int value);
  size_t print(long value);
  size_t print(unsigned long value);
  size_t print(double value, int digits = 2);
  size_t println(const char* text);
};
extern SerialPort Serial;
