#include "prompt_builder.h"

#include <algorithm>
#include <iterator>
#include <type_traits>

namespace llmcore::engine {
namespace {

Result<std::vector<text::TokenId>> TextTarget(const PromptContext& c, const TextPrompt& prompt) {
  std::vector<text::TokenId> target(c.kv.begin(), c.kv.end());
  target.insert(target.end(), c.pending.begin(), c.pending.end());
  const text::TokenId bos = c.tokenizer.special_ids().bos;
  if (target.empty() && c.tokenizer.adds_bos() && bos != text::kNoToken) target.push_back(bos);
  // add_special would also append EOS for models that ask for it: wrong in
  // the middle of a text that goes on.
  LLMCORE_ASSIGN_OR_RETURN(std::vector<text::TokenId> tokens,
                           c.tokenizer.Encode(prompt.text, text::EncodeOptions{}));
  target.insert(target.end(), tokens.begin(), tokens.end());
  return target;
}

Status CheckNoControlText(const PromptContext& c, std::span<const text::ChatMessage> messages) {
  for (size_t m = 0; m < messages.size(); ++m) {
    for (const std::string& control : c.control_texts) {
      if (messages[m].content.find(control) != std::string::npos) {
        return Status(
            StatusCode::kInvalidArgument,
            "message " + std::to_string(m) + " contains the control token text '" + control + "'");
      }
    }
  }
  return Status::Ok();
}

Result<PromptPlan> ChatPlan(const PromptContext& c, const ChatPrompt& prompt) {
  if (c.chat_template == nullptr) {
    return Status(StatusCode::kUnsupported, "the model has no chat template llmcore recognises");
  }
  LLMCORE_RETURN_IF_ERROR(CheckNoControlText(c, prompt.messages));
  PromptPlan plan;
  plan.chat = true;
  plan.conversation.assign(c.conversation.begin(), c.conversation.end());
  plan.conversation.insert(plan.conversation.end(), prompt.messages.begin(), prompt.messages.end());
  LLMCORE_ASSIGN_OR_RETURN(
      std::string rendered,
      c.chat_template->Apply(plan.conversation, /*add_generation_prompt=*/true));
  LLMCORE_ASSIGN_OR_RETURN(
      plan.target, c.tokenizer.Encode(
                       rendered, text::EncodeOptions{.add_special = true, .parse_special = true}));
  return plan;
}

}  // namespace

Result<PromptPlan> BuildPrompt(const PromptContext& context, const Prompt& prompt) {
  PromptPlan plan;
  if (const auto* text_prompt = std::get_if<TextPrompt>(&prompt)) {
    LLMCORE_ASSIGN_OR_RETURN(plan.target, TextTarget(context, *text_prompt));
  } else {
    LLMCORE_ASSIGN_OR_RETURN(plan, ChatPlan(context, std::get<ChatPrompt>(prompt)));
  }
  if (plan.target.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "the prompt is empty and the model adds no BOS token: nothing to start from");
  }
  const auto [target_end, kv_end] =
      std::mismatch(plan.target.begin(), plan.target.end(), context.kv.begin(), context.kv.end());
  (void)kv_end;
  plan.keep = static_cast<size_t>(target_end - plan.target.begin());
  // The last token is fed again when nothing is new: its logits are needed.
  plan.keep = std::min(plan.keep, plan.target.size() - 1);
  return plan;
}

std::vector<std::string> ControlTokenTexts(const text::Tokenizer& tokenizer) {
  std::vector<std::string> texts;
  for (size_t id = 0; id < tokenizer.vocab_size(); ++id) {
    const auto token = static_cast<text::TokenId>(id);
    if (tokenizer.token_type(token) != text::TokenType::kControl) continue;
    const std::string_view t = tokenizer.token_text(token);
    if (!t.empty() && std::find(texts.begin(), texts.end(), t) == texts.end()) {
      texts.emplace_back(t);
    }
  }
  return texts;
}

}  // namespace llmcore::engine
