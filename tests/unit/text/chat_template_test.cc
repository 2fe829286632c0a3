// Chat templates: the exact text of every format for one fixed conversation,
// the rules each format's real template enforces, recognition of real
// templates (excerpts below, and the template inside the Phi-3 vocabulary
// file), refusal of unknown ones, and that the rendered text meets the
// tokenizers with exactly one BOS.
#include "llmcore/text/chat_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/testing/testing.h"
#include "vocab_vectors.h"

namespace llmcore::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// system + user + assistant + user.
const std::vector<ChatMessage> kConversation = {
    {"system", "You are terse."},
    {"user", "Hi!"},
    {"assistant", "Hello."},
    {"user", "Bye?"},
};

ChatTemplate Named(std::string_view name, const ChatSpecialTexts& special = {}) {
  auto t = ChatTemplateFromName(name, special);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : *ChatTemplateFromName("chatml");
}

std::string Render(const ChatTemplate& t, const std::vector<ChatMessage>& messages,
                   bool add_generation_prompt) {
  auto text = t.Apply(messages, add_generation_prompt);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : std::string("<error>");
}

// --- Exact rendering -------------------------------------------------------

struct RenderCase {
  std::string_view name;
  // What the real template named in the comment renders for kConversation
  // with add_generation_prompt false / true, without its leading bos_token.
  std::string_view without_prompt;
  std::string_view with_prompt;
};

const RenderCase kRenderCases[] = {
    // meta-llama/Llama-2-7b-chat-hf: system inside <<SYS>> in the first
    // [INST]; answers " " + content + " " + eos; later turns bos + "[INST] ".
    // The template has no generation prompt.
    {"llama2",
     "[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi! [/INST] Hello. </s><s>[INST] Bye? [/INST]",
     "[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi! [/INST] Hello. </s><s>[INST] Bye? [/INST]"},
    // meta-llama/Meta-Llama-3-8B-Instruct.
    {"llama3",
     "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
     "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
     "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
     "<|start_header_id|>user<|end_header_id|>\n\nBye?<|eot_id|>",
     "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
     "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
     "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
     "<|start_header_id|>user<|end_header_id|>\n\nBye?<|eot_id|>"
     "<|start_header_id|>assistant<|end_header_id|>\n\n"},
    // Qwen/Qwen2-7B-Instruct (the system message is given, so its default
    // system prompt does not appear).
    {"chatml",
     "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
     "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye?<|im_end|>\n",
     "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
     "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye?<|im_end|>\n"
     "<|im_start|>assistant\n"},
    // Mistral-7B-Instruct-v0.2 (updated template; Mistral cookbook "V1"):
    // ' [INST] ' + system_message + '\n\n' + content on the first user turn.
    {"mistral-v1", " [INST] You are terse.\n\nHi! [/INST] Hello.</s> [INST] Bye? [/INST]",
     " [INST] You are terse.\n\nHi! [/INST] Hello.</s> [INST] Bye? [/INST]"},
    // Mixtral-8x7B-Instruct-v0.1: '[INST] ' + content + ' [/INST]', answers
    // content + eos; it has no system role, which goes first as for V1.
    {"mistral-legacy", "[INST] You are terse.\n\nHi! [/INST]Hello.</s>[INST] Bye? [/INST]",
     "[INST] You are terse.\n\nHi! [/INST]Hello.</s>[INST] Bye? [/INST]"},
    // Mistral-7B-Instruct-v0.3: system prompt on the last user turn.
    {"mistral-v3", "[INST] Hi![/INST] Hello.</s>[INST] You are terse.\n\nBye?[/INST]",
     "[INST] Hi![/INST] Hello.</s>[INST] You are terse.\n\nBye?[/INST]"},
    // Mistral-Nemo-Instruct-2407.
    {"mistral-v3-tekken", "[INST]Hi![/INST]Hello.</s>[INST]You are terse.\n\nBye?[/INST]",
     "[INST]Hi![/INST]Hello.</s>[INST]You are terse.\n\nBye?[/INST]"},
    // Mistral-Large-Instruct-2411.
    {"mistral-v7",
     "[SYSTEM_PROMPT] You are terse.[/SYSTEM_PROMPT][INST] Hi![/INST] Hello.</s>[INST] Bye?[/INST]",
     "[SYSTEM_PROMPT] You are terse.[/SYSTEM_PROMPT][INST] Hi![/INST] Hello.</s>[INST] "
     "Bye?[/INST]"},
    // Mistral-Small-3.1-24B-Instruct-2503 (its default system prompt aside).
    {"mistral-v7-tekken",
     "[SYSTEM_PROMPT]You are terse.[/SYSTEM_PROMPT][INST]Hi![/INST]Hello.</s>[INST]Bye?[/INST]",
     "[SYSTEM_PROMPT]You are terse.[/SYSTEM_PROMPT][INST]Hi![/INST]Hello.</s>[INST]Bye?[/INST]"},
    // microsoft/Phi-3-mini-4k-instruct: eos when no generation prompt.
    {"phi3",
     "<|system|>\nYou are terse.<|end|>\n<|user|>\nHi!<|end|>\n<|assistant|>\nHello.<|end|>\n"
     "<|user|>\nBye?<|end|>\n<|endoftext|>",
     "<|system|>\nYou are terse.<|end|>\n<|user|>\nHi!<|end|>\n<|assistant|>\nHello.<|end|>\n"
     "<|user|>\nBye?<|end|>\n<|assistant|>\n"},
    // HuggingFaceH4/zephyr-7b-beta.
    {"zephyr",
     "<|system|>\nYou are terse.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello.</s>\n"
     "<|user|>\nBye?</s>\n",
     "<|system|>\nYou are terse.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello.</s>\n"
     "<|user|>\nBye?</s>\n<|assistant|>\n"},
};

class ChatRenderTest : public ::testing::TestWithParam<RenderCase> {};

TEST_P(ChatRenderTest, RendersFixedConversationWithoutGenerationPrompt) {
  EXPECT_EQ(Render(Named(GetParam().name), kConversation, false), GetParam().without_prompt);
}

TEST_P(ChatRenderTest, RendersFixedConversationWithGenerationPrompt) {
  EXPECT_EQ(Render(Named(GetParam().name), kConversation, true), GetParam().with_prompt);
}

TEST_P(ChatRenderTest, NameRoundTrips) {
  EXPECT_EQ(Named(GetParam().name).name(), GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Formats, ChatRenderTest, ::testing::ValuesIn(kRenderCases),
                         [](const auto& param_info) {
                           std::string name(param_info.param.name);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ChatTemplateTest, EveryNameHasARenderCase) {
  std::vector<std::string_view> covered;
  for (const RenderCase& c : kRenderCases) covered.push_back(c.name);
  EXPECT_THAT(ChatTemplateNames(), ::testing::UnorderedElementsAreArray(covered));
}

// --- Per-format rules --------------------------------------------------------

TEST(ChatTemplateTest, Llama2WithoutSystemMessage) {
  EXPECT_EQ(Render(Named("llama2"), {{"user", "Hi!"}}, true), "[INST] Hi! [/INST]");
}

TEST(ChatTemplateTest, Llama2StripsLikePythonStrip) {
  // The template calls content.strip(): U+00A0 and U+3000 are whitespace to
  // Python, U+200B is not.
  const std::string zero_width_space = "\xE2\x80\x8B";
  EXPECT_EQ(Render(Named("llama2"),
                   {{"user", " \t\xC2\xA0Hi!\n\xE3\x80\x80"},
                    {"assistant", "\n Hello. "},
                    {"user", zero_width_space + "Bye?"}},
                   true),
            "[INST] Hi! [/INST] Hello. </s><s>[INST] " + zero_width_space + "Bye? [/INST]");
}

TEST(ChatTemplateTest, Llama2StripsAcrossTheSystemBlock) {
  // strip() runs on "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content, so the
  // system text keeps its spaces and only the user content's end is stripped.
  EXPECT_EQ(Render(Named("llama2"), {{"system", " S "}, {"user", " Hi! "}}, true),
            "[INST] <<SYS>>\n S \n<</SYS>>\n\n Hi! [/INST]");
}

TEST(ChatTemplateTest, Llama3TrimsEveryMessage) {
  EXPECT_EQ(Render(Named("llama3"), {{"system", "  S\n"}, {"user", "\nHi! "}}, false),
            "<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>");
}

TEST(ChatTemplateTest, ChatMlKeepsContentVerbatim) {
  EXPECT_EQ(Render(Named("chatml"), {{"user", " Hi!\n"}}, false),
            "<|im_start|>user\n Hi!\n<|im_end|>\n");
}

TEST(ChatTemplateTest, MistralV3TrimsAnswersOnly) {
  EXPECT_EQ(Render(Named("mistral-v3"), {{"user", " Hi! "}, {"assistant", " Hello. "}}, false),
            "[INST]  Hi! [/INST] Hello.</s>");
}

TEST(ChatTemplateTest, MistralV3PutsSystemOnLastUserMessageEvenAfterAnAnswer) {
  EXPECT_EQ(
      Render(Named("mistral-v3"), {{"system", "S"}, {"user", "Hi!"}, {"assistant", "A"}}, false),
      "[INST] S\n\nHi![/INST] A</s>");
}

TEST(ChatTemplateTest, InPlaceFormatsRenderSystemMessagesAnywhere) {
  const std::vector<ChatMessage> late_system = {{"user", "Hi!"}, {"system", "S"}};
  EXPECT_EQ(Render(Named("chatml"), late_system, false),
            "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>system\nS<|im_end|>\n");
  EXPECT_EQ(Render(Named("mistral-v7"), late_system, false),
            "[INST] Hi![/INST][SYSTEM_PROMPT] S[/SYSTEM_PROMPT]");
}

TEST(ChatTemplateTest, SystemOnlyConversation) {
  EXPECT_EQ(Render(Named("chatml"), {{"system", "S"}}, true),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>assistant\n");
  for (std::string_view name :
       {"llama2", "mistral-v1", "mistral-legacy", "mistral-v3", "mistral-v3-tekken"}) {
    auto text = Named(name).Apply(std::vector<ChatMessage>{{"system", "S"}}, true);
    EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(text.status().message(), HasSubstr("no user message")) << name;
  }
}

TEST(ChatTemplateTest, InstFormatsRequireAlternatingTurns) {
  const std::vector<std::vector<ChatMessage>> bad = {
      {{"assistant", "A"}, {"user", "U"}},
      {{"user", "U"}, {"user", "U"}},
      {{"user", "U"}, {"assistant", "A"}, {"assistant", "A"}},
      {{"user", "U"}, {"system", "S"}},
  };
  for (std::string_view name :
       {"llama2", "mistral-v1", "mistral-legacy", "mistral-v3", "mistral-v3-tekken"}) {
    for (const auto& messages : bad) {
      auto text = Named(name).Apply(messages, true);
      EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument) << name;
      EXPECT_THAT(text.status().message(), HasSubstr("chat message ")) << name;
    }
  }
  // The formats without that rule render the same conversations.
  for (std::string_view name : {"llama3", "chatml", "mistral-v7", "phi3", "zephyr"}) {
    for (const auto& messages : bad) EXPECT_TRUE(Named(name).Apply(messages, true).ok()) << name;
  }
}

TEST(ChatTemplateTest, RejectsEmptyConversation) {
  for (std::string_view name : ChatTemplateNames()) {
    auto text = Named(name).Apply({}, true);
    EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(text.status().message(), HasSubstr("empty")) << name;
  }
}

TEST(ChatTemplateTest, RejectsUnknownRolesNamingThem) {
  for (std::string_view role : {"tool", "User", "", "assistant "}) {
    auto text = Named("chatml").Apply(
        std::vector<ChatMessage>{{"user", "U"}, {std::string(role), "x"}}, true);
    EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument) << role;
    EXPECT_THAT(text.status().message(),
                HasSubstr("chat message 1: unknown role \"" + std::string(role) + "\""));
  }
}

TEST(ChatTemplateTest, EscapesHostileRoleInMessage) {
  auto text =
      Named("chatml").Apply(std::vector<ChatMessage>{{"a\nb" + std::string(100, 'x'), ""}}, true);
  EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("\"a\\x0ab"));
  EXPECT_THAT(text.status().message(), HasSubstr("...")) << "long roles are cut";
}

TEST(ChatTemplateTest, RejectsContentThatIsNotUtf8) {
  auto text = Named("chatml").Apply(std::vector<ChatMessage>{{"user", "ok\xC3"}}, true);
  EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("chat message 0: content is not valid UTF-8"));
}

TEST(ChatTemplateTest, StopTextsPerFormat) {
  const auto stops = [](std::string_view name) {
    const ChatTemplate t = Named(name);
    return std::vector<std::string>(t.stop_texts().begin(), t.stop_texts().end());
  };
  EXPECT_THAT(stops("llama2"), ElementsAre("</s>"));
  EXPECT_THAT(stops("llama3"), ElementsAre("<|eot_id|>", "<|end_of_text|>"));
  EXPECT_THAT(stops("chatml"), ElementsAre("<|im_end|>"));
  EXPECT_THAT(stops("mistral-v1"), ElementsAre("</s>"));
  EXPECT_THAT(stops("mistral-v7-tekken"), ElementsAre("</s>"));
  EXPECT_THAT(stops("phi3"), ElementsAre("<|end|>", "<|endoftext|>"));
  EXPECT_THAT(stops("zephyr"), ElementsAre("</s>"));
}

TEST(ChatTemplateTest, UsesTheModelsSpecialTexts) {
  // StableLM-style Zephyr: the vocabulary's EOS is <|endoftext|>.
  const ChatTemplate zephyr = Named("zephyr", {.bos = "", .eos = "<|endoftext|>"});
  EXPECT_EQ(Render(zephyr, {{"user", "Hi!"}}, true), "<|user|>\nHi!<|endoftext|>\n<|assistant|>\n");
  EXPECT_THAT(std::vector<std::string>(zephyr.stop_texts().begin(), zephyr.stop_texts().end()),
              ElementsAre("<|endoftext|>"));
  const ChatTemplate chatml = Named("chatml", {.bos = "", .eos = "<|endoftext|>"});
  EXPECT_THAT(std::vector<std::string>(chatml.stop_texts().begin(), chatml.stop_texts().end()),
              ElementsAre("<|im_end|>", "<|endoftext|>"));
  const ChatTemplate llama2 = Named("llama2", {.bos = "<BOS>", .eos = "<EOS>"});
  EXPECT_EQ(Render(llama2, {{"user", "U"}, {"assistant", "A"}, {"user", "V"}}, true),
            "[INST] U [/INST] A <EOS><BOS>[INST] V [/INST]");
}

TEST(ChatTemplateTest, RejectsBadSpecialTexts) {
  EXPECT_EQ(ChatTemplateFromName("chatml", {.bos = "\xFF", .eos = ""}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ChatTemplateFromName("chatml", {.bos = "", .eos = std::string(257, 'x')}).status().code(),
      StatusCode::kInvalidArgument);
}

TEST(ChatTemplateTest, UnknownNameIsNotFoundAndListsNames) {
  auto t = ChatTemplateFromName("mistral");
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(), HasSubstr("mistral-v3-tekken"));
}

// --- Detection of real templates -------------------------------------------
//
// Excerpts of the templates the models ship (tokenizer_config.json
// "chat_template"), as test inputs.

struct DetectCase {
  std::string_view model;
  std::string_view source;
  std::string_view expected;
};

const DetectCase kDetectCases[] = {
    {"Llama-2-7b-chat-hf",
     "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
     "{% set system_message = messages[0]['content'] %}{% else %}..."
     "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + "
     "system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}..."
     "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
     "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}"
     "{% endif %}{% endfor %}",
     "llama2"},
    {"Meta-Llama-3-8B-Instruct",
     "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
     "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | "
     "trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}"
     "{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
     "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
     "llama3"},
    {"Llama-3.1-8B-Instruct",
     "{{- bos_token }}\n{%- if custom_tools is defined %}\n    {%- set tools = custom_tools %}\n"
     "{%- endif %}...{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n"
     "{{- \"Cutting Knowledge Date: December 2023\\n\" }}...",
     "llama3"},
    {"Qwen2-7B-Instruct",
     "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
     "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
     "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
     "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
     "chatml"},
    {"Mistral cookbook V1",
     "{{ bos_token }}{% for message in messages %}...{% if message['role'] == 'user' %}"
     "{{ ' [INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
     "{{ ' ' + message['content'] + eos_token}}{% else %}...",
     "mistral-v1"},
    {"Mistral-7B-Instruct-v0.2 (updated)",
     "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = "
     "messages[0]['content'] %}...\n        {%- if loop.first and system_message is defined %}\n"
     "            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n"
     "        {%- else %}\n            {{- ' [INST] ' + message['content'] + ' [/INST]' }}...",
     "mistral-v1"},
    {"Mixtral-8x7B-Instruct-v0.1",
     "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != "
     "(loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
     "user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}"
     "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
     "{{ message['content'] + eos_token}}{% else %}...",
     "mistral-legacy"},
    {"Mistral cookbook V2/V3",
     "{{ bos_token }}{% for message in messages %}...{% if message['role'] == 'user' %}"
     "{{ '[INST] ' + message['content'] + '[/INST]' }}{% elif message['role'] == 'assistant' %}"
     "{{ ' ' + message['content'] + eos_token}}{% else %}...",
     "mistral-v3"},
    {"Mistral-7B-Instruct-v0.3",
     "{%- if messages[0][\"role\"] == \"system\" %}...{{- \"[AVAILABLE_TOOLS] [\" }}...\n"
     "        {%- if loop.last and system_message is defined %}\n"
     "            {{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] + "
     "\"[/INST]\" }}\n        {%- else %}\n"
     "            {{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}...",
     "mistral-v3"},
    {"Mistral-Nemo-Instruct-2407",
     "{%- if messages[0][\"role\"] == \"system\" %}...\n"
     "            {{- \"[INST]\" + system_message + \"\\n\\n\" + message[\"content\"] + "
     "\"[/INST]\" }}\n        {%- else %}\n"
     "            {{- \"[INST]\" + message[\"content\"] + \"[/INST]\" }}...",
     "mistral-v3-tekken"},
    {"Mistral-Large-Instruct-2411",
     "{{- bos_token }}\n{%- for message in messages %}\n    {%- if message['role'] == 'user' %}\n"
     "        {{- '[INST] ' + message['content'] + '[/INST]' }}\n"
     "    {%- elif message['role'] == 'system' %}\n"
     "        {{- '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }}...",
     "mistral-v7"},
    {"Mistral-Small-3.1-24B-Instruct-2503",
     "{{- bos_token }}\n{{- '[SYSTEM_PROMPT]' + system_message + '[/SYSTEM_PROMPT]' }}\n"
     "{%- for message in loop_messages %}\n    {%- if message['role'] == 'user' %}\n"
     "        {{- '[INST]' + message['content'] + '[/INST]' }}...",
     "mistral-v7-tekken"},
    {"Phi-3-mini-4k-instruct",
     "{{ bos_token }}{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + "
     "message['content'] + '<|end|>\n' }}{% endfor %}{% if add_generation_prompt %}"
     "{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}",
     "phi3"},
    {"Phi-3.5-mini-instruct",
     "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}"
     "{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}"
     "{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}"
     "{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}...",
     "phi3"},
    {"zephyr-7b-beta",
     "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
     "{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n"
     "{{ '<|system|>\n' + message['content'] + eos_token }}\n"
     "{% elif message['role'] == 'assistant' %}\n"
     "{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n"
     "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n"
     "{% endfor %}",
     "zephyr"},
};

class ChatDetectTest : public ::testing::TestWithParam<DetectCase> {};

TEST_P(ChatDetectTest, RecognisesRealTemplate) {
  auto t = DetectChatTemplate(GetParam().source);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->name(), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Models, ChatDetectTest, ::testing::ValuesIn(kDetectCases),
                         [](const auto& param_info) {
                           std::string name;
                           for (char c : param_info.param.model) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

TEST(ChatDetectTest, PassesSpecialTextsOn) {
  auto t = DetectChatTemplate(kDetectCases[0].source, {.bos = "<B>", .eos = "<E>"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->special_texts().bos, "<B>");
  EXPECT_EQ(t->special_texts().eos, "<E>");
}

struct RefusedCase {
  std::string_view what;
  std::string_view source;
  std::string_view reason;
};

const RefusedCase kRefusedCases[] = {
    {"gemma",
     "{{ bos_token }}{% for message in messages %}...{{ '<start_of_turn>' + role + '\n' + "
     "message['content'] | trim + '<end_of_turn>\n' }}",
     "no known format's markers"},
    {"phi4",
     "{% for message in messages %}{{'<|im_start|>' + message['role'] + '<|im_sep|>' + "
     "message['content'] + '<|im_end|>'}}{% endfor %}",
     "Phi-4 layout"},
    {"smolvlm", "<|im_start|>{% for message in messages %}...<end_of_utterance>\n",
     "SmolVLM layout"},
    {"phi4_mini",
     "{% for message in messages %}{% if message['role'] == 'system' and 'tools' in message %}"
     "...<|tool|>...{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}"
     "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}",
     "Phi-4-mini"},
    {"falcon3",
     "{%- elif message['role'] == 'user' %}{{- '<|user|>\n' + message['content'] + '\n' }}"
     "{%- elif message['role'] == 'assistant' %}{{- '<|assistant|>\n' + message['content'] + "
     "eos_token + '\n' }}",
     "not Zephyr's turns"},
    {"inst_outside_literals", "[INST]{{ message['content'] }}[/INST]", "variant"},
    {"plain", "{% for message in messages %}{{ message['content'] }}{% endfor %}",
     "no known format's markers"},
};

TEST(ChatDetectTest, RefusesUnrecognisedTemplatesWithAnExcerpt) {
  for (const RefusedCase& c : kRefusedCases) {
    auto t = DetectChatTemplate(c.source);
    EXPECT_EQ(t.status().code(), StatusCode::kUnsupported) << c.what;
    EXPECT_THAT(t.status().message(), HasSubstr("chat template not recognised")) << c.what;
    EXPECT_THAT(t.status().message(), HasSubstr(std::string(c.reason))) << c.what;
    // The excerpt: the template's first bytes, newlines escaped.
    std::string head(c.source.substr(0, 20));
    for (size_t at; (at = head.find('\n')) != std::string::npos;) head.replace(at, 1, "\\n");
    EXPECT_THAT(t.status().message(), HasSubstr(head)) << c.what;
  }
}

TEST(ChatDetectTest, RefusesEmptyTemplate) {
  auto t = DetectChatTemplate("");
  EXPECT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(t.status().message(), HasSubstr("empty"));
}

TEST(ChatDetectTest, ExcerptIsShortAndEscaped) {
  const std::string source = "\x01{# " + std::string(500, 'z') + " #}";
  auto t = DetectChatTemplate(source);
  ASSERT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(t.status().message(), HasSubstr("\"\\x01{# zzz"));
  EXPECT_LT(t.status().message().size(), 300u);
}

// The chat templates carried by the GGUF files in ../shared/testdata (only the
// Phi-3 vocabulary has one).
TEST(ChatDetectTest, RecognisesTemplatesInTestdataFiles) {
  int with_template = 0;
  for (const std::string& path : llmcore::testing::TestdataGgufFiles()) {
    auto file = gguf::ReadGgufFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    auto source = file->GetString("tokenizer.chat_template");
    if (!source.ok()) continue;
    ++with_template;
    auto t = DetectChatTemplate(*source);
    ASSERT_TRUE(t.ok()) << path << ": " << t.status().ToString();
    if (path.ends_with("ggml-vocab-phi-3.gguf")) {
      EXPECT_EQ(t->name(), "phi3");
    }
  }
  EXPECT_GE(with_template, 1);
}

// --- With the tokenizers: one BOS, markers as control tokens -----------------

struct BosCase {
  std::string_view vocab;
  std::string_view format;
  TokenId turn_end;  // the end-of-turn control token, counted once per turn
};

std::vector<TokenId> EncodePrompt(const Tokenizer& tok, const std::string& text) {
  auto ids = tok.Encode(text, {.add_special = true, .parse_special = true});
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? *ids : std::vector<TokenId>{};
}

TEST(ChatTokenizeTest, RenderedPromptGetsExactlyOneLeadingBos) {
  // llama-spm is the Llama 2 vocabulary, llama-bpe Llama 3's, phi-3 Phi-3's.
  const BosCase cases[] = {
      {"llama-spm", "llama2", kNoToken}, {"llama-bpe", "llama3", 128009}, {"phi-3", "phi3", 32007}};
  for (const BosCase& c : cases) {
    const Tokenizer* tok = testing::LoadVocab(std::string(c.vocab));
    ASSERT_NE(tok, nullptr);
    ASSERT_TRUE(tok->adds_bos()) << c.vocab;
    const TokenId bos = tok->special_ids().bos;
    const std::vector<TokenId> ids =
        EncodePrompt(*tok, Render(Named(c.format), kConversation, true));
    ASSERT_GE(ids.size(), 2u) << c.vocab;
    EXPECT_EQ(ids[0], bos) << c.vocab;
    EXPECT_NE(ids[1], bos) << c.vocab;
    if (c.turn_end != kNoToken) {
      EXPECT_EQ(std::count(ids.begin(), ids.end(), c.turn_end), 4) << c.vocab;
      EXPECT_EQ(std::count(ids.begin(), ids.end(), bos), 1) << c.vocab;
    }
  }
}

TEST(ChatTokenizeTest, Llama2HistoryBosAndEosBecomeControlTokens) {
  const Tokenizer* tok = testing::LoadVocab("llama-spm");
  ASSERT_NE(tok, nullptr);
  const std::vector<TokenId> ids = EncodePrompt(*tok, Render(Named("llama2"), kConversation, true));
  // One BOS added by the tokenizer, one from "</s><s>[INST]" before the second
  // user turn; one EOS ending the answer.
  EXPECT_EQ(std::count(ids.begin(), ids.end(), tok->special_ids().bos), 2);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), tok->special_ids().eos), 1);
}

TEST(ChatTokenizeTest, ChatMlOnQwen2HasNoBosAndControlMarkers) {
  const Tokenizer* tok = testing::LoadVocab("qwen2");
  ASSERT_NE(tok, nullptr);
  ASSERT_FALSE(tok->adds_bos());
  const std::vector<TokenId> ids = EncodePrompt(*tok, Render(Named("chatml"), kConversation, true));
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 151644);                                 // <|im_start|>
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 151644), 5);  // 4 turns + the prompt
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 151645), 4);  // <|im_end|>
}

TEST(ChatTokenizeTest, StopTextsAreEndOfGenerationTokens) {
  const struct {
    std::string_view vocab;
    std::string_view format;
  } cases[] = {
      {"llama-bpe", "llama3"}, {"qwen2", "chatml"}, {"phi-3", "phi3"}, {"llama-spm", "llama2"}};
  for (const auto& c : cases) {
    const Tokenizer* tok = testing::LoadVocab(std::string(c.vocab));
    ASSERT_NE(tok, nullptr);
    const ChatTemplate t = Named(c.format);
    // The first stop text is the format's end of turn.
    const auto id = tok->FindToken(t.stop_texts().front());
    ASSERT_TRUE(id.has_value()) << c.vocab;
    EXPECT_TRUE(tok->IsEndOfGeneration(*id)) << c.vocab << " " << t.stop_texts().front();
  }
}

}  // namespace
}  // namespace llmcore::text
