#include "mrf/prompt_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "media/tone_detector.h"
#include "unit/test_dir.h"

namespace imsbox::mrf {
namespace {

using testing::TempDir;

media::WavAudio sine(double hz, int rate, double seconds) {
  media::WavAudio a;
  a.sample_rate = rate;
  a.samples.resize(static_cast<std::size_t>(seconds * rate));
  media::generate_tone(a.samples, rate, hz, -12);
  return a;
}

TEST(Prompts, ConvertedToBothRatesKeepingPitchAndLength) {
  const PromptAudio p = to_prompt(sine(440, 44100, 2.0));
  EXPECT_NEAR(static_cast<double>(p.wideband.size()), 32000, 40);
  EXPECT_NEAR(static_cast<double>(p.narrowband.size()), 16000, 20);
  media::ToneCriteria c;
  c.frequency_hz = 440;
  EXPECT_TRUE(media::tone_present(media::measure_tone(p.wideband, 16000), c));
  EXPECT_TRUE(media::tone_present(media::measure_tone(p.narrowband, 8000), c));
}

TEST(Prompts, EmptyOverlongAndOddRatesAreRefused) {
  EXPECT_THROW(to_prompt(media::WavAudio{16000, {}, 1}), PromptError);
  EXPECT_THROW(to_prompt(sine(440, 8000, kMaxPromptSeconds + 1)), PromptError);
  EXPECT_THROW(to_prompt(sine(440, 1000, 1)), PromptError);
}

TEST(Prompts, NamesAreShortLowercaseWords) {
  for (const char* good : {"busy", "not-reachable", "menu_2", "9lives"}) EXPECT_FALSE(check_prompt_name(good)) << good;
  for (const char* bad : {"", "Busy", "-x", "_x", "a/b", "../x", "a b", "x;play=y", "é"}) {
    EXPECT_TRUE(check_prompt_name(bad)) << bad;
  }
  EXPECT_TRUE(check_prompt_name(std::string(65, 'a')));
}

class PromptStoreTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::filesystem::path built_in = dir / "built-in";
  std::filesystem::path mine = dir / "operator";
  PromptStore store{built_in, mine};

  std::filesystem::path wav(const std::string& name, double hz, int rate, double seconds) {
    const auto a = sine(hz, rate, seconds);
    const auto path = dir / name;
    EXPECT_TRUE(media::write_wav_file(path.string(), a.samples, a.sample_rate));
    return path;
  }
};

TEST_F(PromptStoreTest, OperatorPromptsAreAddedListedFoundAndWinOverBuiltIns) {
  write_prompt(built_in, "busy", to_prompt(sine(425, 16000, 1)));
  write_prompt(built_in, "welcome", to_prompt(sine(600, 16000, 2)));
  EXPECT_TRUE(store.exists("busy"));
  EXPECT_FALSE(store.exists("mine"));

  const auto info = store.add("busy", wav("b.wav", 1000, 48000, 0.5));
  EXPECT_EQ(info.name, "busy");
  EXPECT_NEAR(info.seconds, 0.5, 0.01);
  const auto list = store.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "busy");
  EXPECT_FALSE(list[0].built_in);
  EXPECT_EQ(list[1].name, "welcome");
  EXPECT_TRUE(list[1].built_in);
  EXPECT_NEAR(list[1].seconds, 2.0, 0.01);

  const auto eight = store.find("busy", 8000);
  ASSERT_TRUE(eight);
  EXPECT_NEAR(static_cast<double>(eight->size()), 4000, 10);
  media::ToneCriteria c;  // the operator's 1 kHz, not the built-in 425 Hz
  EXPECT_TRUE(media::tone_present(media::measure_tone(*eight, 8000), c));
  EXPECT_FALSE(store.find("busy", 44100));
  EXPECT_FALSE(store.find("nothing", 8000));
  EXPECT_FALSE(store.find("../built-in/busy", 8000));

  EXPECT_TRUE(store.remove("busy"));
  EXPECT_FALSE(store.remove("busy"));
  EXPECT_FALSE(store.remove("welcome"));  // built-in
  c.frequency_hz = 425;
  EXPECT_TRUE(media::tone_present(media::measure_tone(*store.find("busy", 16000), 16000), c));
}

TEST_F(PromptStoreTest, BadFilesAndNamesAreRefusedWithTheirReasonAndNothingWritten) {
  const auto text = dir / "notes.wav";
  std::ofstream(text) << "not audio at all";
  try {
    store.add("notes", text);
    FAIL() << "a text file was taken as a prompt";
  } catch (const PromptError& e) {
    EXPECT_NE(std::string(e.what()).find("notes.wav is not a WAV file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store.add("Bad Name", wav("ok.wav", 440, 8000, 1)), PromptError);
  EXPECT_THROW(store.add("missing", dir / "nope.wav"), PromptError);
  EXPECT_TRUE(store.list().empty());
}

}  // namespace
}  // namespace imsbox::mrf
