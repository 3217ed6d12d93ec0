/**
 * Compact stop-word lists.
 *
 * Why not natural's lists: they drop question words ("how", "why", "when",
 * "где", "сколько") and verbs like "get", which carry the intent of a support
 * question ("why was I charged" vs "how do I pay"). Negation ("not", "не") is
 * kept for the same reason. These lists only hold function words, greetings
 * and politeness fillers that say nothing about what the customer wants.
 */

/** English function words, greetings and fillers. Matched on normalized tokens. */
export const EN_STOPWORDS: ReadonlySet<string> = new Set(
  `a an the i me my mine myself we us our ours you your yours yourself he him his she her it its
  itself they them their theirs this that these those am is are was were be been being have has
  had having do does did doing would could should can will shall may might must of at by for with
  about to from in on into onto over as so than too very just also and or but if then there here
  please pls plz thanks thank thx hi hello hey dear ok okay im ive id ill youre s t d ll m re ve
  some any ya yes one u ur`.split(/\s+/),
);

/**
 * Russian function words, greetings and politeness fillers ("подскажите, пожалуйста"),
 * pronouns and "который". Modal verbs stay: "не могу" is how customers say "unable to".
 */
export const RU_STOPWORDS: ReadonlySet<string> = new Set(
  `и в во что он на я с со а то так его но да ты к у же вы за бы по ее ее мне было вот от меня
  еще о об из ему теперь даже ну ли если уже или ни быть был него до вас нибудь опять уж вам ведь
  там потом себя ей они тут есть ней для мы тебя их чем была сам чтоб без будто чего тоже себе
  под будет ж тогда этот того это эта эти этого этой этом эту мой моя мое мои моего моей моих
  моим моему мою свой своя свое свои своего своей своих своим свою ваш ваша ваше ваши вашего
  вашей вашу вашим вашем нам нас им ими при над про через хоть чтобы ко
  пожалуйста спасибо здравствуйте привет добрый доброе вечер утро подскажите скажите
  можете могли вообще просто также ой уважаемые
  она оно мной моем ним них нее нему тем том те та тот сама сами само который которая которое
  которые которую котором которых которым либо`.split(/\s+/),
);

/** True when `token` (already normalized) is a stop word of its script's language. */
export function isStopword(token: string): boolean {
  return EN_STOPWORDS.has(token) || RU_STOPWORDS.has(token);
}
