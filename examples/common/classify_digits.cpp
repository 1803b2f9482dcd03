// Classifies the ten sample digits with the generated model and prints one line each.
// The same file runs on a Cortex-M (rig.c: semihosting) and on the host (rig_host.c: stdio);
// rig_puts needs no printf, so the firmware stays heap-free. Exit code: the number wrong.
#include "digits.h"
#include "digits_samples.h"
#include "rig.h"

static_assert(DIGITS_INPUT_0_ELEMS == DIGIT_SAMPLE_PIXELS, "the model takes one 8x8 image");

int main() {
  static float image[DIGITS_INPUT_0_ELEMS];
  static float probs[DIGITS_OUTPUT_0_ELEMS];
  int correct = 0;
  for (int s = 0; s < DIGIT_SAMPLE_COUNT; ++s) {
    for (unsigned i = 0; i < DIGITS_INPUT_0_ELEMS; ++i) image[i] = kDigitSixteenths[s][i] / 16.0f;
    if (digits_run(image, probs) != 0) {
      rig_puts("digits_run failed\n");
      return DIGIT_SAMPLE_COUNT;
    }
    unsigned best = 0;
    for (unsigned c = 1; c < DIGITS_OUTPUT_0_ELEMS; ++c)
      if (probs[c] > probs[best]) best = c;
    const bool ok = static_cast<int>(best) == kDigitLabels[s];
    correct += ok;
    rig_puts("sample ");
    rig_put_int(s);
    rig_puts(": predicted ");
    rig_put_int(static_cast<long>(best));
    rig_puts(", label ");
    rig_put_int(kDigitLabels[s]);
    rig_puts(ok ? "  ok\n" : "  WRONG\n");
  }
  rig_puts("correct: ");
  rig_put_int(correct);
  rig_puts(" of ");
  rig_put_int(DIGIT_SAMPLE_COUNT);
  rig_puts("\n");
  return DIGIT_SAMPLE_COUNT - correct;
}
