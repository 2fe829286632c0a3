// The progress bar of `llmctl load`: its layout at several widths, clamping,
// an unknown total, and that a redraw never exceeds the terminal's width.
#include "progress.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "format.h"

namespace llmcore::llmctl {
namespace {

TEST(LlmctlProgressTest, HalfwayFillsHalfTheBar) {
  EXPECT_EQ(RenderProgress("m", 512 * 1024, 1024 * 1024, 50),
            "m [##########..........]  50%  512.0 KiB / 1.0 MiB");
}

TEST(LlmctlProgressTest, StartAndEndShowAnEmptyAndAFullBar) {
  EXPECT_EQ(RenderProgress("m", 0, 2048, 40), "m [................]   0%  0 B / 2.0 KiB");
  EXPECT_EQ(RenderProgress("m", 2048, 2048, 40), "m [############] 100%  2.0 KiB / 2.0 KiB");
}

TEST(LlmctlProgressTest, PercentRoundsDownSoHundredMeansDone) {
  EXPECT_NE(RenderProgress("m", 999, 1000, 80).find(" 99%"), std::string::npos);
}

TEST(LlmctlProgressTest, DoneBeyondTotalIsClamped) {
  EXPECT_EQ(RenderProgress("m", 5000, 2048, 40), RenderProgress("m", 2048, 2048, 40));
}

TEST(LlmctlProgressTest, UnknownTotalShowsTheBytesSoFar) {
  EXPECT_EQ(RenderProgress("stories260K", 1536, 0, 80), "stories260K ... 1.5 KiB");
}

TEST(LlmctlProgressTest, NeverWiderThanTheTerminal) {
  for (size_t width = 30; width <= 200; ++width) {
    SCOPED_TRACE(width);
    const std::string line = RenderProgress("stories260K", 700000, 1185376, width);
    EXPECT_LE(CodePointCount(line), width);
    EXPECT_EQ(line.rfind("stories260K ", 0), 0u);
  }
}

TEST(LlmctlProgressTest, NarrowTerminalsDropTheBarButKeepThePercentage) {
  EXPECT_EQ(RenderProgress("stories260K", 512, 1024, 44),
            "stories260K [####....]  50%  512 B / 1.0 KiB");  // the narrowest bar
  EXPECT_EQ(RenderProgress("stories260K", 512, 1024, 43), "stories260K  50%  512 B / 1.0 KiB");
  EXPECT_EQ(RenderProgress("stories260K", 512, 1024, 10), "stories260K  50%");
}

TEST(LlmctlProgressTest, NoBarIsDrawnWhenTheFdIsNotATerminal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    ProgressBar bar(fds[1], "m");
    EXPECT_FALSE(bar.enabled());
    bar.Update(1, 2);
    bar.Clear();
  }
  ::close(fds[1]);
  char buffer[16];
  EXPECT_EQ(::read(fds[0], buffer, sizeof buffer), 0);  // nothing was written
  ::close(fds[0]);
}

}  // namespace
}  // namespace llmcore::llmctl
