#include "cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

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
  6    verify: the comparison ran and the driver disagreed with the reference
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

// swap, verify and driver reload. swap's DRIVER[:DEVICE] lands in `target`
// and is split after parsing.
void DefineDriverCommands(CLI::App& app, CommandLine& line, std::string& target) {
  CLI::App* swap = app.add_subcommand(
      "swap",
      "Move a loaded MODEL onto another driver or device while it serves (polkit: "
      "org.llmcore.manage): live sequences move over and generation pauses briefly.");
  AddModel(swap, line, "the loaded model");
  swap->add_option("driver", target,
                   "DRIVER[:DEVICE]: the driver, and a device name or index (no DEVICE: the "
                   "driver's best device)")
      ->required();
  swap->add_option("--threads", line.threads,
                   "CPU threads of the new instance (0: the driver's choice)");
  swap->add_flag("--reprocess", line.reprocess,
                 "move sequences by re-processing their tokens, never by KV export/import");

  CLI::App* verify = app.add_subcommand(
      "verify",
      "Compare the logits of a loaded MODEL on its driver with the reference driver's "
      "(polkit: org.llmcore.manage); exit status 0 when they agree, 6 when they do not.");
  AddModel(verify, line, "the loaded model");
  verify->add_option("--tokens", line.verify_tokens, "positions to compare (default: 32)")
      ->check(Above(0, false));

  CLI::App* driver = app.add_subcommand("driver", "Manage the compute drivers.");
  driver->require_subcommand(1);
  driver
      ->add_subcommand("reload",
                       "Load a new build of a driver from its file and move the models it "
                       "serves onto it (polkit: org.llmcore.manage).")
      ->add_option("name", line.target.driver, "the driver")
      ->required();
}

void DefineCommands(CLI::App& app, CommandLine& line, std::string& target) {
  app.add_subcommand("list", "List the models found in the configured directories.");
  AddModel(app.add_subcommand("info", "Show everything known about a model."), line, "the model");
  CLI::App* load = app.add_subcommand(
      "load", "Load a model (polkit: org.llmcore.manage); a progress bar on a terminal.");
  AddModel(load, line, "the model");
  load->add_flag("--pin", line.pin, "never unload it when idle");
  load->add_option("--on", target,
                   "DRIVER[:DEVICE] to run it on (default: the best device that fits it)");
  AddModel(app.add_subcommand("unload", "Unload a model (polkit: org.llmcore.manage)."), line,
           "the model");
  app.add_subcommand("ps", "List the loaded models with their driver, device and memory.");
  app.add_subcommand("hw", "Show the hardware as the daemon sees it.");
  app.add_subcommand("status",
                     "Say whether generation is available now (exit status 0) or why not (3).")
      ->add_option("model", line.model, "the model (default: the default model)");
  DefineRun(app, line);
  DefineDriverCommands(app, line, target);
}

// "swap", or "driver reload" for a group's subcommand.
std::string CommandName(const CLI::App& app) {
  const CLI::App* command = app.get_subcommands().front();
  std::string name = command->get_name();
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
    name += " " + command->get_name();
  }
  return name;
}

}  // namespace

Result<DriverTarget> ParseDriverTarget(std::string_view text) {
  const size_t colon = text.find(':');
  DriverTarget target{std::string(text.substr(0, colon)), ""};
  if (colon != std::string_view::npos) target.device = std::string(text.substr(colon + 1));
  if (target.driver.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("'{}' names no driver: expected DRIVER[:DEVICE], such as "
                              "'cpu', 'cuda:cuda0' or 'cuda:1'",
                              text));
  }
  return target;
}

std::variant<CommandLine, int> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine line;
  std::string bus = "system";
  std::string target;  // swap's DRIVER[:DEVICE], load's --on
  CLI::App app{"Administer llmcored, the system LLM service.", "llmctl"};
  app.add_option("--bus", bus, "system, session or a D-Bus address (default: system)");
  app.add_flag(
      "--json", line.json,
      "print JSON instead of text (list, info, ps, hw, status, run, swap, verify, driver)");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(kFooter);
  DefineCommands(app, line, target);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  line.command = CommandName(app);
  auto spec = ParseBusSpec(bus);
  if (!spec.ok()) {
    std::cerr << FormatFailure(spec.status()) << '\n';
    return kExitUsage;
  }
  line.bus = *spec;
  if (line.command == "swap" || (line.command == "load" && !target.empty())) {
    auto parsed = ParseDriverTarget(target);
    if (!parsed.ok()) {
      std::cerr << FormatFailure(parsed.status()) << '\n';
      return kExitUsage;
    }
    line.target = std::move(*parsed);
  }
  if (line.system_prompt) line.chat = true;
  return line;
}

}  // namespace llmcore::llmctl
