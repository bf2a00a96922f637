// imsbox-prompt-build IN.wav OUTDIR NAME: the build's step from an
// espeak-ng recording to a built-in prompt (NAME.16k.wav, NAME.8k.wav in
// OUTDIR), the same conversion `imsbox prompt add` does.
#include <iostream>

#include "mrf/prompt_store.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: imsbox-prompt-build IN.wav OUTDIR NAME\n";
    return 2;
  }
  try {
    std::string error;
    const auto wav = imsbox::media::read_wav_file(argv[1], &error);
    if (!wav) throw imsbox::mrf::PromptError(std::string(argv[1]) + ": " + error);
    imsbox::mrf::write_prompt(argv[2], argv[3], imsbox::mrf::to_prompt(*wav));
  } catch (const std::exception& e) {
    std::cerr << "imsbox-prompt-build: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
