// BuildPrompt: what a request adds to its sequence, as tokens.
//
// A sequence holds `kv` (the tokens in its KV state) and `pending` (tokens
// that belong to its text but were never fed: the last token of a finished
// generation, the rest of a cancelled prompt). A TextPrompt continues that
// text: the target is kv + pending
// + the encoded text, with BOS first when the sequence is empty and the
// model adds one; the text is user text, so control-token text in it stays
// plain text. A ChatPrompt joins the conversation: the whole conversation is
// rendered with the chat template and encoded with special tokens parsed;
// message contents that spell a control token are refused, so a user cannot
// forge turn markers.
//
// `keep` is the longest common prefix of the target with `kv`: that much KV
// state is reused, the rest is removed and target[keep:] is processed. At
// least the last target token is always processed, since generating needs
// its logits.
//
// Thread safety: pure; the tokenizer and template are immutable.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "llmcore/engine/generation.h"
#include "llmcore/status.h"
#include "llmcore/text/chat_template.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::engine {

struct PromptPlan {
  std::vector<text::TokenId> target;  // the sequence's whole text after the prompt
  size_t keep = 0;                    // tokens of kv that stay
  bool chat = false;
  std::vector<text::ChatMessage> conversation;  // chat: with the new messages
};

struct PromptContext {
  const text::Tokenizer& tokenizer;
  const text::ChatTemplate* chat_template;     // nullptr: the model has none
  std::span<const std::string> control_texts;  // texts of the control tokens
  std::span<const text::TokenId> kv;
  std::span<const text::TokenId> pending;
  std::span<const text::ChatMessage> conversation;
};

// Errors: kUnsupported for a chat prompt on a model without a template;
// kInvalidArgument for a message that spells a control token, one the
// template refuses, or an empty prompt on an empty sequence of a model that
// adds no BOS (nothing to generate from); the tokenizer's errors.
Result<PromptPlan> BuildPrompt(const PromptContext& context, const Prompt& prompt);

// The texts of every control token of `tokenizer` (for PromptContext).
std::vector<std::string> ControlTokenTexts(const text::Tokenizer& tokenizer);

}  // namespace llmcore::engine
