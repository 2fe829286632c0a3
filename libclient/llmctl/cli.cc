#include "cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "errors.h"

namespace llmcore::llmctl {
namespace {

constexpr char kFooter[] = R"(Exit status:
  0    success
  1    the daemon reported an error ("llmctl: <ErrorName>: <message>" on stderr)
  2    bad command line
  3    status: generation is not available now
  4    the daemon cannot be reached (no bus, or nobody owns org.llmcore.Core1)
  5    access denied (polkit or the bus policy)
  130  interrupted (Ctrl-C))";

// A number that must be above (or, with `allow_equal`, at least) `limit`,
// with a short message when it is not (CLI11's own ranges print the limits
// of a double).
CLI::Validator Above(double limit, bool allow_equal) {
  const std::string name = fmt::format("{}{}", allow_equal ? ">=" : ">", limit);
  return CLI::Validator(
      [limit, allow_equal, name](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0') return "'" + text + "' is not a number";
        if (value > limit || (allow_equal && value == limit)) return "";
        return "must be " + name + ", not " + text;
      },
      name);
}

void AddModel(CLI::App* command, CommandLine& line, const char* help) {
  command->add_option("model", line.model, help)->required();
}

void DefineRun(CLI::App& app, CommandLine& line) {
  CLI::App* run = app.add_subcommand(
      "run",
      "Generate from MODEL. With PROMPT: print the continuation. Without PROMPT: chat on a "
      "terminal (one user message per line, EOF ends), or read the prompt from stdin. Ctrl-C "
      "cancels the answer being generated; a second Ctrl-C quits.");
  AddModel(run, line, "the model");
  run->add_option("prompt", line.prompt, "the prompt (default: see above)");
  GenerationFlags& g = line.generation;
  run->add_option("-n,--max-tokens", g.max_tokens, "tokens to generate at most")
      ->check(Above(0, false));
  run->add_option("--temp", g.temperature, "temperature; 0 picks the likeliest token (greedy)")
      ->check(Above(0, true));
  run->add_option("--top-k", g.top_k, "top-k sampling (0 = off)")->check(Above(0, true));
  run->add_option("--top-p", g.top_p, "top-p sampling (1 = off)")->check(CLI::Range(0.0, 1.0));
  run->add_option("--min-p", g.min_p, "min-p sampling (0 = off)")->check(CLI::Range(0.0, 1.0));
  run->add_option("--repeat-penalty", g.repeat_penalty, "repetition penalty (1 = off)")
      ->check(Above(0, false));
  run->add_option("--seed", g.seed, "random seed (default: the daemon picks one)");
  run->add_option("--stop", g.stop, "stop string; the text ends before it (repeatable)")
      ->allow_extra_args(false);
  run->add_flag("--ignore-eos", g.ignore_eos, "keep generating past end-of-generation tokens");
  run->add_flag("--chat", line.chat, "send the prompt as a user message of a chat");
  run->add_option("--system", line.system_prompt, "system message of the chat (implies --chat)");
  run->add_option("--context", line.context_length, "context length of the session (positions)")
      ->check(Above(0, false));
  run->add_flag("-v,--verbose", line.verbose, "print generation statistics on stderr");
}

void DefineCommands(CLI::App& app, CommandLine& line) {
  app.add_subcommand("list", "List the models found in the configured directories.");
  AddModel(app.add_subcommand("info", "Show everything known about a model."), line, "the model");
  CLI::App* load = app.add_subcommand(
      "load", "Load a model (polkit: org.llmcore.manage); a progress bar on a terminal.");
  AddModel(load, line, "the model");
  load->add_flag("--pin", line.pin, "never unload it when idle");
  AddModel(app.add_subcommand("unload", "Unload a model (polkit: org.llmcore.manage)."), line,
           "the model");
  app.add_subcommand("ps", "List the loaded models with their driver, device and memory.");
  app.add_subcommand("hw", "Show the hardware as the daemon sees it.");
  app.add_subcommand("status",
                     "Say whether generation is available now (exit status 0) or why not (3).")
      ->add_option("model", line.model, "the model (default: the default model)");
  DefineRun(app, line);
}

}  // namespace

std::variant<CommandLine, int> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine line;
  std::string bus = "system";
  CLI::App app{"Administer llmcored, the system LLM service.", "llmctl"};
  app.add_option("--bus", bus, "system, session or a D-Bus address (default: system)");
  app.add_flag("--json", line.json, "print JSON instead of text (list, info, ps, hw, status, run)");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(kFooter);
  DefineCommands(app, line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  line.command = app.get_subcommands().front()->get_name();
  auto spec = ParseBusSpec(bus);
  if (!spec.ok()) {
    std::cerr << FormatFailure(spec.status()) << '\n';
    return kExitUsage;
  }
  line.bus = *spec;
  if (line.system_prompt) line.chat = true;
  return line;
}

}  // namespace llmcore::llmctl
