"""Offline tag extraction: the people, organisations, places, works, events and topics an article is about.

Pure-Python heuristics, no models and no network, on text that ``cleaning`` has taken the CMS noise out of:
datelines (``LONDON, March 3 (Reuters) -``, ``AMSTERDAM 1996-12-08``) keep only their place and bylines go;
capitalised phrases are chunked (with connectors such as ``of``, ``de`` and ``&`` inside names, initials before
surnames, a number ending a name: ``FTSE 100``); all-caps headings and table headers only confirm names seen in
ordinary text or in the gazetteer; phrases are cleaned of sentence-initial words, titles and their modifiers
(``Senate Majority Leader``), positions and descriptors (``Centre``, ``Croat``, ``Top-seeded``, ``Communist-led``),
demonyms, weekdays, months, holidays, calendar phrases, generic words and the publication names ``cleaning`` found
in footers; split at possessives of owners (``Haug's Conservative Party``) and between names joined by ``and``;
classified by cues (suffixes and heads, legal suffixes, titles, quotes, given names and places from
``tagging_data/``, ``the`` before a name, match context such as ``beat`` or a score, how the text shortens the
name: a surname or a brand); merged (a surname, club word, city club, acronym, plural or initialled form counts
towards the full name that appears in the article) and scored by frequency and position. A few keyword families
add topic tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import NamedTuple

from pressroom.models import MAX_TAGS, Tag, TagKind
from pressroom.text import fold, slugify

__all__ = ["extract_tags", "slugify"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WEEKDAYS = _words(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun"
)
MONTHS = _words(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
CALENDAR_WORDS = _words(
    "christmas easter hanukkah diwali eid ramadan thanksgiving halloween passover lent advent ago date dates day "
    "days week weeks weekend month months year years today yesterday tomorrow tonight eve midnight noon"
)
GENERIC_WORDS = _words(
    "officials organisers organizers residents critics fans analysts experts investors voters ministers students "
    "teachers pupils parents doctors nurses workers staff shares stocks markets prices sales profits results police "
    "authorities sources reports figures data details scientists researchers delegates leaders members players "
    "supporters spectators viewers readers visitors passengers drivers customers shoppers tenants friends family "
    "moment take choice select state nature language government id tv ok pm am gmt ceo cfo gdp faq pdf news "
    "standings table results fixtures leaderboard scorecard scorers summary statement update live latest "
    "pct pts gp gf ga gd gb ot otl"
)
PROMO_WORDS = _words(
    "more read related listen see also loading player sign subscribe newsletter newsletters click share "
    "advertisement getty"
)
STOPWORDS = _words(
    "a an the and or but nor so yet if then than as at by for from in into of off on onto out over per to up via "
    "with within without about above across after against along among around before behind below beneath beside "
    "between beyond during except inside near since through throughout toward towards under until upon "
    "i me my mine we us our ours you your yours he him his she her hers it its they them their theirs "
    "this that these those who whom whose which what when where why how whatever whenever wherever "
    "all any both each either every few many most much neither none no not nothing other others several some such "
    "is are was were be been being am do does did done have has had having will would shall should can could may "
    "might must ought here there now today tonight tomorrow yesterday still just even also only too very again "
    "once twice first second third last next new old another same own one two three four five six seven eight "
    "nine ten hundreds thousands millions yes ok okay oh well please thanks thank hello hi dear meanwhile however "
    "although though because while whereas instead indeed perhaps maybe often never always sometimes already "
    "soon later earlier finally overall despite according like unlike let lets say says said asked told"
)
TITLE_WORDS = _words(
    "mr mrs ms miss mx dr prof professor sir dame lord lady baroness baron governor gov president vice senator sen "
    "rep representative speaker congressman congresswoman chancellor minister secretary judge justice captain capt "
    "coach chair chairman chairwoman chief mayor premier bishop archbishop father sister brother king queen prince "
    "princess pope rev reverend general gen colonel col major sergeant sgt officer detective inspector dean "
    "taoiseach commissioner ambassador councillor alderman sheriff prime deputy director manager boss founder "
    "guitarist drummer singer bassist keyboardist rapper actor actress author novelist playwright poet composer "
    "presenter host producer striker defender midfielder goalkeeper winger forward keeper batsman bowler driver "
    "rider jockey champion analyst economist scientist researcher spokesperson spokesman spokeswoman leader "
    "executive ceo cfo founder headteacher teacher nurse doctor surgeon lawyer barrister solicitor editor "
    "columnist critic critics reporter correspondent veteran star legend lock prop hooker flanker centre center "
    "fly-half scrum-half full-back fullback wing opener pitcher catcher shortstop quarterback goaltender goalie "
    "defenceman guard referee umpire olympian paralympian showrunner screenwriter filmmaker film-maker designer "
    "chef artist photographer geologist seismologist astronomer physicist biologist chemist historian strategist "
    "co-author co-founder skipper captain substitute replacement qualifier rookie newcomer holder holders"
)
ROYAL_TITLES = _words("prince princess king queen duke duchess emperor empress pope sultan sheikh")
DEMONYM_NOUNS = _words(
    "croat serb swede dane finn pole brit briton scot kiwi aussie spaniard turk greek czech slovak slovene "
    "bosnian montenegrin pakistani argentine belgian dutchman frenchman german italian"
)
DESCRIPTOR_TAILS = _words(
    "seeded based born old designate elect general winning time ranked led backed owned run funded controlled listed"
)
ORG_PREFIXES_SPORT = _words(
    "dinamo dynamo torpedo lokomotiv spartak zenit partizan slavia sparta rapid olimpija vardar steaua"
)
DEMONYMS = _words(
    "american british english scottish welsh irish french german spanish italian portuguese dutch belgian swiss "
    "austrian danish swedish norwegian finnish icelandic polish czech slovak hungarian romanian bulgarian greek "
    "turkish russian ukrainian croatian serbian bosnian slovenian albanian estonian latvian lithuanian canadian "
    "mexican brazilian argentine argentinian chilean colombian peruvian venezuelan cuban jamaican australian "
    "zealander chinese japanese korean indian pakistani bangladeshi afghan iranian iraqi israeli palestinian "
    "lebanese syrian saudi egyptian moroccan algerian tunisian libyan nigerian ghanaian kenyan ethiopian "
    "somali sudanese ugandan tanzanian african european asian arab latin nordic scandinavian western eastern "
    "northern southern frenchman frenchwoman englishman englishwoman scotsman welshman irishman dutchman "
    "european catholic protestant muslim jewish christian hindu buddhist republican democrat democratic"
)
CONNECTORS = _words("of on for and the de del della der den di da do dos das du la le les van von y zu al bin ibn")
SPLIT_CONNECTORS = _words("of on for and")
NAME_PARTICLES = _words("de del della der den di da do dos das du la le les van von y zu al bin ibn")
LEGAL_SUFFIXES = _words(
    "inc ltd plc llc llp corp co gmbh ag sa nv bv spa asa ab oyj kk bhd tbk pte pty sarl srl kgaa ltda sas"
)
ORG_SUFFIXES = _words(
    "fc afc cf sc united city town rovers athletic wanderers albion rangers county hotspur inc ltd plc llc corp "
    "corporation company co party council ministry department university college school academy agency bank group "
    "records studios pictures films media motors energy foods airlines airways partners holdings institute "
    "institution association union federation commission authority committee organization organisation society "
    "trust foundation alliance centre center survey senate assembly parliament police army navy office service "
    "board exchange racing motorsport theatre theater museum gallery orchestra club network times news post "
    "automotive technologies technology systems labs laboratories pharmaceuticals pharma railways capital "
    "democrats republicans greens labour conservatives socialists liberals league fund bureau house hospital "
    "church cabinet court tribunal entertainment brewery bakery industries enterprises ventures solutions "
    "consulting insurance investments securities partnership collective institute press publishing publishers "
    "telecom communications broadcasting radio television tv administration guild consortium observatory "
    "laboratory network research front choir movement coalition cycling markets tankers shipping management brands "
    "logistics mining petroleum chemicals steel aviation aerospace robotics software analytics networks electronics "
    "semiconductor semiconductors beverages apparel hotels resorts properties realty engineering biotech therapeutics "
    "biosciences healthcare assurance bancorp financial trading associates advisors advisers athletics division "
    "platform cloud"
)
ORG_HEADS = _words(
    "university college school academy bank ministry department institute institution museum church house chamber "
    "council commission court board office society association federation union league party agency authority "
    "committee panel bureau fund organization organisation order centre center league"
)
EVENT_HEADS = _words(
    "festival fest cup championship championships awards award prize summit olympics olympiad games prix show "
    "week congress conference open marathon tour final finals expo fair forum biennale carnival derby classic slam "
    "series masters trophy rally regatta gala ceremony convention jubilee grammys oscars emmys baftas"
)
PLACE_SUFFIXES = _words(
    "sea ocean river lake mountains mountain mount island islands street road avenue lane square park bridge "
    "stadium arena court county valley bay coast glacier desert airport station province region district peninsula "
    "canyon falls forest heights hills gardens pool strait gulf cape harbour harbor oval ground circuit racecourse "
    "raceway speedway velodrome crater links"
)
PLACE_PREFIXES = _words("county lake mount monte mont cape port fort isle gulf river st saint")
REGION_PREFIXES = _words("north south east west northern southern eastern western central upper lower greater new")
ORG_PREFIXES = _words("real sporting inter olympique borussia united") | ORG_PREFIXES_SPORT
WORK_CUES = _words(
    "film films movie series show sitcom drama documentary album albums single song track ep novel book memoir "
    "play musical opera ballet podcast programme program magazine journal newspaper poem painting game franchise "
    "sequel prequel comedy thriller probe spacecraft telescope rover lander orbiter satellite"
)
WORK_AFTER_CUES = _words(
    "film movie series show sitcom drama documentary album novel musical franchise podcast probe mission "
    "spacecraft telescope satellite rover app lander orbiter capsule rocket model models"
)
PLACE_CUES = _words("in at from near outside across around inside into to towards via off")
PERSON_VERBS = _words(
    "said says told added explained admitted insisted recalled wrote tweeted posted smiled laughed joked "
    "argued warned claimed confirmed revealed replied who aged"
)
SPORT_ORG_BEFORE = _words("beat beaten beating v vs against host hosts hosted visit visiting face faces faced edged")
SPORT_ORG_AFTER = _words(
    "beat beats drew draw lost won win edged thrashed manager coach boss fans supporters striker defender "
    "midfielder goalkeeper captain squad side players chairman"
)
ORG_CUES = _words(
    "company firm group label publisher charity union broker retailer watchdog regulator agency club team "
    "band outfit chain carmaker maker developer startup start-up bank insurer operator airline supermarket"
)
_GAZETTEER_TEXT = """
afghanistan|albania|algeria|andorra|angola|argentina|armenia|australia|austria|azerbaijan|bahamas|bahrain|
bangladesh|barbados|belarus|belgium|belize|benin|bhutan|bolivia|bosnia|botswana|brazil|brunei|bulgaria|burkina faso|
burundi|cambodia|cameroon|canada|chad|chile|china|colombia|congo|costa rica|croatia|cuba|cyprus|czechia|
czech republic|denmark|djibouti|dominican republic|ecuador|egypt|el salvador|eritrea|estonia|eswatini|ethiopia|fiji|
finland|france|gabon|gambia|georgia|germany|ghana|greece|grenada|guatemala|guinea|guyana|haiti|honduras|hungary|
iceland|india|indonesia|iran|iraq|ireland|israel|italy|ivory coast|jamaica|japan|jordan|kazakhstan|kenya|kosovo|
kuwait|kyrgyzstan|laos|latvia|lebanon|lesotho|liberia|libya|liechtenstein|lithuania|luxembourg|madagascar|malawi|
malaysia|maldives|mali|malta|mauritania|mauritius|mexico|moldova|monaco|mongolia|montenegro|morocco|mozambique|
myanmar|namibia|nepal|netherlands|new zealand|nicaragua|niger|nigeria|north korea|north macedonia|norway|oman|
pakistan|palestine|panama|papua new guinea|paraguay|peru|philippines|poland|portugal|qatar|romania|russia|rwanda|
san marino|saudi arabia|senegal|serbia|sierra leone|singapore|slovakia|slovenia|somalia|south africa|south korea|
south sudan|spain|sri lanka|sudan|suriname|sweden|switzerland|syria|taiwan|tajikistan|tanzania|thailand|togo|
trinidad|tunisia|turkey|turkmenistan|uganda|ukraine|united arab emirates|uae|united kingdom|uk|britain|
great britain|england|scotland|wales|northern ireland|united states|usa|us|america|uruguay|uzbekistan|vatican|
venezuela|vietnam|yemen|zambia|zimbabwe|greenland|puerto rico|hong kong|macau|tibet|french guiana|
europe|asia|africa|antarctica|antarctic|arctic|oceania|north america|south america|latin america|middle east|
caribbean|balkans|scandinavia|siberia|sahara|amazon|himalayas|alps|mediterranean|atlantic|pacific|
alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|hawaii|idaho|illinois|indiana|
iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana|
nebraska|nevada|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon|
pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington|
west virginia|wisconsin|wyoming|ontario|quebec|british columbia|alberta|bavaria|catalonia|sicily|sardinia|
tasmania|queensland|new south wales|victoria|
london|paris|berlin|madrid|rome|milan|naples|turin|venice|florence|lisbon|porto|barcelona|valencia|seville|
amsterdam|rotterdam|brussels|antwerp|vienna|zurich|geneva|bern|munich|hamburg|frankfurt|cologne|stuttgart|
copenhagen|stockholm|oslo|helsinki|reykjavik|dublin|belfast|edinburgh|glasgow|cardiff|manchester|liverpool|
birmingham|leeds|sheffield|bristol|newcastle|nottingham|leicester|southampton|brighton|oxford|cambridge|york|
aberdeen|norwich|galway|cork|warsaw|krakow|prague|budapest|bucharest|sofia|athens|istanbul|ankara|moscow|
st petersburg|kyiv|kiev|minsk|riga|tallinn|vilnius|belgrade|zagreb|split|sarajevo|ljubljana|marseille|lyon|
nice|toulouse|bordeaux|lille|strasbourg|montpellier|nantes|monte carlo|cairo|lagos|abuja|nairobi|accra|
johannesburg|cape town|durban|addis ababa|casablanca|marrakech|tunis|algiers|dakar|kinshasa|khartoum|
tokyo|osaka|kyoto|beijing|shanghai|shenzhen|seoul|busan|taipei|bangkok|hanoi|ho chi minh city|jakarta|manila|
kuala lumpur|mumbai|delhi|new delhi|bangalore|bengaluru|kolkata|chennai|karachi|lahore|islamabad|dhaka|kabul|
tehran|baghdad|damascus|beirut|jerusalem|tel aviv|gaza|amman|riyadh|dubai|abu dhabi|doha|sydney|melbourne|
brisbane|perth|adelaide|auckland|wellington|toronto|montreal|vancouver|ottawa|calgary|kingston|mexico city|
guadalajara|havana|bogota|lima|santiago|buenos aires|sao paulo|rio de janeiro|caracas|quito|
new york city|los angeles|chicago|houston|phoenix|philadelphia|san antonio|san diego|dallas|san jose|austin|
san francisco|seattle|denver|boston|detroit|nashville|atlanta|miami|las vegas|portland|baltimore|
minneapolis|cleveland|cincinnati|columbus|pittsburgh|st louis|new orleans|orlando|tampa|sacramento|
salt lake city|honolulu|anchorage|hollywood|brooklyn|manhattan|wembley|silicon valley|wall street|
"""
GAZETTEER = frozenset(name.strip() for name in _GAZETTEER_TEXT.replace("\n", "").split("|") if name.strip())
_CITIES_TEXT = _GAZETTEER_TEXT[_GAZETTEER_TEXT.index("\nlondon|") :]
CITIES = frozenset(name.strip() for name in _CITIES_TEXT.replace("\n", "").split("|") if name.strip())
_DATA = Path(__file__).resolve().parent / "tagging_data"


class _Lexicon:
    """The word lists of ``tagging_data/`` (built by ``bench/build_tagging_data.py``), read on first use so that
    importing the tagger stays cheap: given names (Faker's person providers), cities of 100,000 people or more and
    countries (GeoNames), folded and lower-cased, without English words."""

    @staticmethod
    def _read(name: str) -> frozenset[str]:
        try:
            return frozenset(line for line in (_DATA / name).read_text(encoding="utf-8").splitlines() if line)
        except OSError:
            return frozenset()

    @cached_property
    def first_names(self) -> frozenset[str]:
        return self._read("first_names.txt")

    @cached_property
    def cities(self) -> frozenset[str]:
        return CITIES | self._read("cities.txt")

    @cached_property
    def places(self) -> frozenset[str]:
        return GAZETTEER | self.cities | self._read("countries.txt")


_LEXICON = _Lexicon()

TOPICS: dict[str, tuple[str, ...]] = {
    "Elections": ("election", "elections", "vote", "votes", "voters", "ballot", "polls", "turnout", "campaign"),
    "Climate change": ("climate", "emissions", "warming", "greenhouse", "carbon", "sea level", "net zero"),
    "Education": ("school", "schools", "pupils", "teachers", "students", "classroom", "lessons", "curriculum"),
    "Health": ("patients", "disease", "hospital", "treatment", "symptoms", "doctors", "clinical", "illness"),
    "Mergers and acquisitions": ("takeover", "acquisition", "merger", "acquire", "buyout", "bid", "deal"),
    "Electric vehicles": ("electric vehicle", "electric vehicles", "electric truck", "electric car", "ev", "evs"),
    "Retail": ("retailer", "retail", "shoppers", "high street", "department store", "stores", "shopping"),
    "Space exploration": ("spacecraft", "probe", "orbit", "astronaut", "astronauts", "launch", "mission", "rocket"),
    "Interest rates": ("interest rates", "rate cut", "rate rise", "inflation", "central bank"),
    "Football": ("football", "goal", "goals", "striker", "midfielder", "penalty", "league", "semi-final"),
    "Tennis": ("tennis", "seed", "serve", "break point", "grand slam", "set", "tiebreak"),
    "Motor racing": ("formula one", "grand prix", "lap", "laps", "pit", "pole position", "tyres", "grid"),
    "Film": ("film", "films", "cinema", "director", "box office", "screenplay"),
    "Television": ("series", "episode", "episodes", "streaming", "sitcom", "season"),
    "Music": ("album", "single", "band", "tour", "gig", "singer", "songs", "concert"),
    "Theatre": ("play", "stage", "playwright", "theatre", "cast", "rehearsal", "previews"),
    "Books": ("novel", "novels", "author", "publisher", "fiction", "translator", "books"),
}
_TOPIC_OF = {keyword: topic for topic, keywords in TOPICS.items() for keyword in keywords}
_TOPIC_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(k) for k in sorted(_TOPIC_OF, key=len, reverse=True)) + r")\b"
)
TOPIC_MIN_HITS = 4
EDITORIAL_SCORE = 1.0
MIN_PLACE_SCORE = 0.15

_ABBREVIATIONS = r"(?:Mr|Mrs|Ms|Dr|St|Prof|Gen|Gov|Sen|Rep|Inc|Ltd|Corp|Co|Jr|Sr|Mt|Ft)\.|(?:[A-Z]\.){2,}"
_TOKEN = re.compile(
    rf"{_ABBREVIATIONS}|[A-Z]\.(?= ?[A-Z][^\W\d_])|[A-Z]{{1,3}}&[A-Z]{{1,3}}(?![^\W_])|[^\W_]+s['’](?![^\W_])"
    r"|[^\W_][^\W_]*(?:[-'’.][^\W_]+)*|&|[^\w\s]"
)
_DOTTED = re.compile(r"(?:[A-Z]\.){2,}")
_INITIAL = re.compile(r"[A-Z]\.")
_NOT_INITIALS = frozenset("AI")
_MONTH_START = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d"
_DATE = r"(?:,? (?:[A-Z][a-z]{2,8}\.? \d{1,2}|\d{1,2} [A-Z][a-z]{2,8}|\d{4}-\d\d-\d\d))"
_DATELINE = re.compile(
    rf"^((?:[A-Z][A-Z.'’-]+ ?){{1,4}})((?:, (?!{_MONTH_START})[A-Z][\w.]+(?: [A-Z][\w.]+)?)?)"
    rf"{_DATE}? ?(?:\([^()]{{1,40}}\))? ?(?:[—–-]+ |$)"
)
_NAME_NUMBER = re.compile(r"\d{1,4}")
_UNITS = _words(
    "hour hours minute minutes min mins second seconds sec secs point points pts goal goals vote votes seat seats "
    "percent pct per cent million billion m bn km kg metres meters miles years year days day games game runs wickets "
    "overs laps lap of to and for in at on by from with or shots strokes under over"
)
_BYLINE = re.compile(r"^By [A-Z][^.!?]{0,80}$")
_NUMBER = re.compile(r"[-+]?[\d.,:]*\d[\d.,:%]*")
_SCORE = re.compile(r"\d{1,3}-\d{1,3}")
_QUOTE = re.compile(r"“([^“”\n]{1,120})”|(?<![\w’'])‘([^‘’\n]{1,120})’(?!\w)|(?<!\w)\"([^\"\n]{1,120})\"")
_SENTENCE_END = frozenset(".!?:;…")
_QUOTE_CHARS = frozenset("“”\"‘’'()[]«»—–-")
_POSSESSIVE = re.compile(r"['’]s?$")
_JOINERS = CONNECTORS | {"&"}
_LEADING_JOINERS = _JOINERS - {"the"}
_ONE_LETTER_NAMES = frozenset("ÓÁ")
_CALENDAR = CALENDAR_WORDS | WEEKDAYS | MONTHS | {"new"}
_GENERIC = (
    GENERIC_WORDS
    | CALENDAR_WORDS
    | ORG_SUFFIXES
    | ORG_HEADS
    | EVENT_HEADS
    | PLACE_SUFFIXES
    | TITLE_WORDS
    | ROYAL_TITLES
)
_DESCRIPTORS = _words("rival insurer lender carmaker retailer broker regulator startup brewer miner") | (
    ORG_CUES - ORG_SUFFIXES - ORG_HEADS
)
_PLURAL_ROLES = ("ers", "ists", "ians", "ants", "ents", "ors")
_ORG_AFTER = _words("shares stock inc ltd plc")
_IRREGULAR_PLURALS = _words("women men children people")
_PARTY_WORDS = _words("party alliance movement bloc coalition front group")
_TITLE_MODIFIERS = _words(
    "majority minority foreign finance justice interior defence defense health education environment energy trade "
    "transport culture economy home deputy vice assistant acting former general executive managing senior junior "
    "shadow opposition state chief associate"
)
_SPORT_BODIES = _words(
    "athletics cycling rowing swimming gymnastics rugby football tennis golf hockey boxing sailing triathlon canoeing "
    "judo basketball cricket"
)
_NAME_ADJECTIVES = _words("olympic paralympic")
_WORK_HEADS = _words("telescope journal magazine gazette review quarterly")
_WORK_NAME_WORDS = _words("journal")
_INNER_ORG_HEADS = ORG_HEADS - _words("house order centre center league party union")
_COURTS = _words(
    "supreme high constitutional federal appeals appeal crown magistrates district county international european "
    "criminal administrative"
)
_INSTITUTIONS = _words("senate parliament congress assembly cabinet commission")
_GENERIC_ONLY = GENERIC_WORDS | CALENDAR_WORDS | TITLE_WORDS | PLACE_SUFFIXES
_SAID = _words("said says")
_IT = _words("it its")
_HOLIDAYS = _words("christmas easter hanukkah diwali ramadan thanksgiving halloween passover")
_NAME_GOES_ON = ORG_SUFFIXES | EVENT_HEADS
_ORG_NOT_PLACE_SUFFIXES = ORG_SUFFIXES - PLACE_SUFFIXES
MAX_NAME_TOKENS = 8
_CUE_WORD_CHARS = 64
_SMALL_TITLE_WORDS = _words("a an the and or of for in on at to with by from du de la le et y vs")


@dataclass
class _Mention:
    tokens: list[str]
    paragraph: int
    in_title: bool
    initial: bool
    before: str
    after: str
    title_cue: bool = False
    quoted: bool = False
    shouting: bool = False
    table: bool = False
    after2: str = ""


@dataclass
class _Candidate:
    key: str
    forms: dict[str, float] = field(default_factory=dict)
    count: float = 0.0
    reliable: int = 0
    merged: float = 0.0
    in_title: bool = False
    first_paragraph: bool = False
    quoted: int = 0
    title_cue: int = 0
    person_cue: int = 0
    place_cue: int = 0
    work_cue: int = 0
    org_cue: int = 0
    sport_cue: int = 0
    mentions: int = 0
    in_tables: int = 0
    article_cue: int = 0
    surname_use: int = 0
    legal: bool = False
    brand_use: int = 0
    initial_mentions: int = 0
    kind: TagKind = "topic"

    @cached_property
    def tokens(self) -> list[str]:
        return self.key.split()

    @property
    def name(self) -> str:
        return max(self.forms, key=lambda form: self.forms[form])


def extract_tags(
    title: str, text: str, editorial: Sequence[str] = (), *, limit: int = MAX_TAGS, blocked: Iterable[str] = ()
) -> list[Tag]:
    """Tags an article is about, best first, at most ``limit`` (never negative), with unique, non-empty slugs.

    ``text`` is the plain-text body that ``cleaning.clean_body`` cleaned (paragraphs separated by blank lines): the
    noise rules (promo lines, placeholders, footers) are cleaning's alone. ``blocked`` names (its ``footer_names``:
    publication names) and their word tails never become tags. ``editorial`` tags are always kept (the first
    ``limit`` of them) with kind ``editorial`` and score ``EDITORIAL_SCORE``; one with the slug of an extracted tag
    replaces it, keeping the better of the two scores. Extracted scores are in ``(0, 1]``, the best scoring 1. Never
    raises on any string input, and takes time linear in the length of ``title`` and ``text``
    (``python -m bench.linearity``).
    """
    if limit <= 0:
        return []
    body_lines = _body_lines(text)
    mentions, lowercase_words = _mentions(title, body_lines)
    candidates = _candidates(mentions, lowercase_words, _blocked(blocked))
    extracted = [
        item
        for item in _score(candidates, title)
        if item.kind != "place" or item.score >= MIN_PLACE_SCORE or item.mentions >= 2
    ]
    extracted.extend(_topics(title, body_lines, {item.slug for item in extracted}))
    extracted.sort(key=lambda item: -item.score)
    return _with_editorial(extracted, editorial, limit)


def _body_lines(text: str) -> list[tuple[int, str]]:
    """The non-blank lines of ``text`` with their paragraph number (paragraphs are separated by blank lines).

    A byline (``By Ann Lee, Science Correspondent``) is left out: the writer is not what the article is about. A
    dateline (``OSLO, Norway (Wire) —``) keeps its place, written as a name, and loses the agency."""
    lines: list[tuple[int, str]] = []
    paragraph, blank = 0, False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _BYLINE.match(line):
            blank = blank or not line
            continue
        line = _DATELINE.sub(_dateline_place, line, count=1)
        if blank and lines:
            paragraph += 1
        blank = False
        lines.append((paragraph, line))
    return lines


def _dateline_place(match: re.Match[str]) -> str:
    city = " ".join(word if _DOTTED.fullmatch(word) else word.capitalize() for word in match[1].split())
    return f"{city}{match[2]}. "


def _blocked(names: Iterable[str]) -> set[str]:
    """Slugs of ``names`` and of each one's word tails (``Pressroom Daily`` blocks ``pressroom-daily`` and
    ``daily``), of at most ``MAX_NAME_TOKENS`` words."""
    slugs: set[str] = set()
    for name in names:
        words = name.split()[-MAX_NAME_TOKENS:]
        slugs.update(slug for start in range(len(words)) if (slug := slugify(" ".join(words[start:]))))
    return slugs


def _is_cap(token: str) -> bool:
    return token[:1].isupper() and token[:1].isalpha()


def _mentions(title: str, lines: list[tuple[int, str]]) -> tuple[list[_Mention], set[str]]:
    """The raw mentions of the title (unless it is in title case: every word capitalised says nothing) and of the
    body lines, and the set of lower-case words. A line mostly of numbers (a results or standings table) marks
    its mentions ``table``."""
    mentions: list[_Mention] = []
    lowercase: set[str] = set()
    title_case = _is_title_case(title) and not title.isupper()
    sources = [(-1, title)] if not title_case else []
    sources.extend(lines)
    for paragraph, line in sources:
        masked = _QUOTE.sub(partial(_quoted, paragraph=paragraph, mentions=mentions), line)
        tokens = _TOKEN.findall(masked)
        lower = [t.lower() for t in tokens if t[:1].islower()]
        lowercase.update(lower)
        numbers = sum(1 for t in tokens if _NUMBER.fullmatch(t))
        _chunk(tokens, paragraph, mentions, table=numbers >= 4 and numbers >= len(lower))
    return mentions, lowercase


def _is_title_case(title: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", title) if w.lower() not in _SMALL_TITLE_WORDS]
    return len(words) >= 4 and all(w[:1].isupper() for w in words)


def _quoted(match: re.Match[str], paragraph: int, mentions: list[_Mention]) -> str:
    inner = next(g for g in match.groups() if g is not None).strip()
    if not _looks_like_title(inner):
        return match.group()
    words = inner.split()
    mentions.append(
        _Mention(
            tokens=words,
            paragraph=paragraph,
            in_title=paragraph < 0,
            initial=False,
            before=_word_before(match.string, match.start()),
            after="",
            quoted=True,
        )
    )
    return " , "


def _word_before(text: str, end: int) -> str:
    """The last whitespace-separated word of ``text[:end]``, lower-cased; ``""`` if there is none or if it is longer
    than ``_CUE_WORD_CHARS`` (then it is no cue word). Reads only the spaces before ``end`` and one word."""
    stop = end
    while stop > 0 and text[stop - 1].isspace():
        stop -= 1
    window = text[max(0, stop - _CUE_WORD_CHARS - 1) : stop]
    word = window.rsplit(None, 1)[-1] if window else ""
    return "" if len(word) > _CUE_WORD_CHARS else word.lower()


def _looks_like_title(inner: str) -> bool:
    if not inner or inner[-1] in ".,!?;:…" or not inner[:1].isupper():
        return False
    words = inner.split()
    if len(words) > 10 or re.search(r"[.!?;]\s", inner):
        return False
    content = [w for w in words if w.lower() not in _SMALL_TITLE_WORDS]
    if not content or slugify(inner) == "":
        return False
    if len(words) == 1 and (words[0].lower() in STOPWORDS or words[0].lower() in TITLE_WORDS):
        return False
    return sum(w[:1].isupper() for w in content) >= 0.6 * len(content)


def _chunk(tokens: list[str], paragraph: int, mentions: list[_Mention], *, table: bool = False) -> None:
    """Maximal runs of capitalised tokens (with connectors between them) as mentions."""
    run: list[str] = []
    run_initial = False
    before = ""
    previous = ""
    for index, token in enumerate(tokens):
        dotted = _DOTTED.fullmatch(token) or _INITIAL.fullmatch(token)
        word = token[:-1] if token.endswith(".") and len(token) > 1 and not dotted else token
        if _is_cap(word):
            if not run:
                run_initial, before = previous == "" or previous in _SENTENCE_END, _prev_word(tokens, index)
            run.append(word)
        elif (
            run
            and word.lower() in _JOINERS
            and (word.lower() != "the" or run[-1].lower() in CONNECTORS)
            and _connects(tokens, index)
        ):
            run.append(word)
        elif run and _is_cap(run[-1]) and _NAME_NUMBER.fullmatch(word) and _numbered(run[-1], word, tokens, index):
            run.append(word)
        elif run:
            after2 = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
            _emit(run, paragraph, run_initial, before, (word.lower(), after2), mentions, table)
            run = []
        if token not in _QUOTE_CHARS:
            previous = token
    if run:
        _emit(run, paragraph, run_initial, before, ("", ""), mentions, table)


def _numbered(name: str, number: str, tokens: list[str], index: int) -> bool:
    """Whether ``number`` ends the name before it (``FTSE 100 closed``, ``Ariane 6 rocket``, ``S&P 500.``): no year,
    and a lower-case word other than a unit (``Kessler 1 hour``) or a full stop or comma follows; a number before a
    name or another number (score lines, tables) ends nothing."""
    if len(number) == 4 and number[:2] in ("19", "20"):
        return False
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if following in (".", ","):
        acronym = name.isupper() and len(name) > 1 or "&" in name
        return acronym and (index + 2 >= len(tokens) or not _NUMBER.fullmatch(tokens[index + 2]))
    return following[:1].islower() and following.isalpha() and following not in _UNITS


def _prev_word(tokens: list[str], index: int) -> str:
    for token in reversed(tokens[max(0, index - 3) : index]):
        if token[:1].isalnum():
            return token.lower()
    return ""


def _connects(tokens: list[str], index: int) -> bool:
    """A connector continues a name only if a capitalised word follows (allowing ``of the``)."""
    for token in tokens[index + 1 : index + 3]:
        if _is_cap(token):
            return True
        if token.lower() not in CONNECTORS:
            return False
    return False


def _shout(token: str) -> bool:
    return token.isupper() and token[:1].isalpha()


def _emit(
    run: list[str],
    paragraph: int,
    initial: bool,
    before: str,
    after: tuple[str, str],
    mentions: list[_Mention],
    table: bool,
) -> None:
    """Emit ``run`` as mentions, cut where an all-caps stretch of two or more words (a heading, a table header)
    meets ordinary capitalised words; the all-caps stretches are marked ``shouting``."""
    groups: list[tuple[bool, list[str]]] = []
    for token in _trim_connectors(run):
        flag = _shout(token) if _is_cap(token) else (groups[-1][0] if groups else False)
        if groups and groups[-1][0] == flag:
            groups[-1][1].append(token)
        else:
            groups.append((flag, [token]))
    merged: list[tuple[bool, list[str]]] = []
    for flag, tokens in groups:
        flag = flag and sum(1 for t in tokens if _is_cap(t)) >= 2
        if merged and merged[-1][0] == flag:
            merged[-1][1].extend(tokens)
        else:
            merged.append((flag, list(tokens)))
    for number, (flag, tokens) in enumerate(merged):
        trimmed = _trim_connectors(tokens)
        if trimmed:
            mentions.append(
                _Mention(
                    tokens=trimmed,
                    paragraph=paragraph,
                    in_title=paragraph < 0,
                    initial=initial and number == 0,
                    before=before if number == 0 else "",
                    after=after[0] if number == len(merged) - 1 else "",
                    after2=after[1] if number == len(merged) - 1 else "",
                    shouting=flag or (paragraph < 0 and all(_shout(t) for t in trimmed if _is_cap(t))),
                    table=table,
                )
            )


def _junk(word: str) -> bool:
    low = fold(word).lower().rstrip(".")
    if low in _JOINERS or low.isdigit():
        return False
    return (
        low in WEEKDAYS
        or low in MONTHS
        or low in PROMO_WORDS
        or low in _HOLIDAYS
        or (len(low) < 2 and word not in _ONE_LETTER_NAMES)
    )


def _is_initial(token: str, table: bool) -> bool:
    """An initial before a surname: ``R.`` anywhere, ``C`` in a table (``C Okonjo (NGR)``); never ``A`` or ``I``."""
    if _INITIAL.fullmatch(token):
        return True
    return table and len(token) == 1 and token.isupper() and token not in _NOT_INITIALS


def _given_name(token: str) -> bool:
    """A given name (``_Lexicon.first_names``) or an initial (``r.``): the first word of a person's name."""
    low = token.rstrip(".") if len(token) == 2 and token.endswith(".") else token
    return len(low) == 1 and low.isalpha() or low in _LEXICON.first_names


def _possessive_split(tokens: list[str], surnames: AbstractSet[str] = frozenset()) -> list[list[str]]:
    """Split after a possessive (``Kestrel’s plant``, ``Ann Lee’s Harbour United``) unless a name goes on.

    A name goes on (``King’s College London``, ``Teachers’ Union``, ``McBride’s Group``) when an organisation
    suffix or event head follows anywhere later in ``tokens`` and the possessive is a title, a plural or the
    first word, and no place (``Norway’s Labour Party`` is Norway's); one backward pass finds the suffixes for every
    position.
    """
    goes_on = [False] * (len(tokens) + 1)
    for index in range(len(tokens) - 1, -1, -1):
        goes_on[index] = goes_on[index + 1] or _low(tokens[index]) in _NAME_GOES_ON
    pieces: list[list[str]] = [[]]
    for index, token in enumerate(tokens):
        base = _POSSESSIVE.sub("", token) if ("’" in token or "'" in token) else token
        if base == token or not base:
            pieces[-1].append(token)
            continue
        owner = _low(base)
        plural = token[-1] in "'’" or owner in _IRREGULAR_PLURALS
        first = not [t for t in pieces[-1] if _low(t) != "the"]
        person = owner in surnames and not plural
        if goes_on[index + 1] and not _place_key(owner) and not person and (plural or first or owner in TITLE_WORDS):
            pieces[-1].append(token)
            continue
        pieces[-1].append(base)
        pieces.append([])
    return [p for p in pieces if p]


def _refine(
    mention: _Mention, lowercase: set[str], known: set[str], surnames: AbstractSet[str] = frozenset()
) -> list[_Mention]:
    """Split a raw mention at junk tokens, weak connectors and inner titles; strip sentence-initial words, titles,
    descriptors and demonyms (``known`` keys, seen away from a sentence start, are never stripped).

    A piece still longer than ``MAX_NAME_TOKENS`` tokens (connectors included) after that is dropped, not split: such
    a run of capitalised words (a title-case or all-caps heading, a list without punctuation) is not a name, and
    cutting it into arbitrary windows would invent names such as ``Berlin Madrid``. Linear in the mention's length.
    """
    if mention.quoted:
        return [mention]
    pieces: list[list[str]] = [[]]
    tokens = mention.tokens
    for index, token in enumerate(tokens):
        if _is_initial(token, mention.table):
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if _is_cap(following) and not _is_initial(following, mention.table) and _low(following) not in STOPWORDS:
                pieces[-1].append(token)
                continue
        if _junk(token):
            pieces.append([])
        else:
            pieces[-1].append(token)
    pieces = [part for piece in pieces for part in (_possessive_split(piece, surnames) if piece else [piece])]
    result: list[_Mention] = []
    for number, piece in enumerate(pieces):
        after = mention.after if number == len(pieces) - 1 else ""
        before = mention.before if number == 0 else ""
        parts = [split for part in _split_connectors(piece, after, before) for split in _split_titles(part)]
        for part_number, part in enumerate(parts):
            initial = mention.initial and number == 0 and part_number == 0
            refined = _strip_front(part, initial, mention, lowercase, known)
            if refined is not None and (number, part_number) != (len(pieces) - 1, len(parts) - 1):
                refined.after = refined.after2 = ""
            if refined is not None and len(refined.tokens) <= MAX_NAME_TOKENS:
                result.append(refined)
    return result


def _split_titles(tokens: list[str]) -> list[list[str]]:
    """Cut before a title inside a run (``Senate Leader Ann Lee`` -> ``Senate``, ``Leader Ann Lee``) when a short
    name that is no organisation follows it."""
    if len(tokens) < 3 or _low(tokens[-1]) in _NAME_GOES_ON:
        return [tokens]
    for index in range(len(tokens) - 2, 0, -1):
        if (
            _is_title(_low(tokens[index]))
            and len(tokens) - index - 1 <= 3
            and _low(tokens[index - 1]) not in CONNECTORS
        ):
            left = tokens[:index]
            while left and _low(left[-1]) in _TITLE_MODIFIERS:
                left.pop()
            return [left, tokens[index:]] if left else [tokens[index:]]
    return [tokens]


def _is_title(low: str) -> bool:
    """A title, a role or a descriptor before a name: ``Dr``, ``Centre``, ``Croat``, ``Top-seeded``, ``Chancellor-
    designate``."""
    low = low.rstrip(".")
    if low in TITLE_WORDS or low in DEMONYM_NOUNS:
        return True
    if "-" in low:
        parts = low.split("-")
        return parts[-1] in DESCRIPTOR_TAILS or parts[0] in TITLE_WORDS or parts[0] in DEMONYMS
    return False


def _split_connectors(tokens: list[str], after: str = "", before: str = "") -> list[list[str]]:
    """Cut at ``of``, ``on``, ``for`` and ``and`` unless they join one name: ``Bank of England``, ``Festival of
    Light``; ``and`` only as in ``Food and Drug Administration`` (one or two words, then a suffix at the end, no
    organisation word before the ``and``: ``Norland Bank and Credit Ostrava`` are two)."""
    if not tokens:
        return []
    last = fold(tokens[-1]).lower()
    parts: list[list[str]] = [[]]
    for index, token in enumerate(tokens):
        low = token.lower()
        if low in SPLIT_CONNECTORS and parts[-1]:
            head = fold(parts[-1][-1]).lower()
            rest_len = len(tokens) - index - 1
            following = _low(tokens[index + 1]) if rest_len else ""
            if low == "and":
                left = [t for t in parts[-1][-6:] if _low(t) != "the"]
                while len(left) > 1 and _place_key(_low(left[0])):
                    left = left[1:]
                joins = last in ORG_SUFFIXES and len(parts) == 1 and len(left) <= 2
                joins = joins and (len(left) == 1 or head not in ORG_HEADS) and following != "the"
                joins = joins and not (head in ORG_SUFFIXES and (rest_len == 1 or len(left) > 1))
                joins = joins or (after in _PARTY_WORDS and len(tokens) <= 4 and len(parts) == 1)
            else:
                joins = head in ORG_HEADS or (low == "of" and (head in EVENT_HEADS or head in PLACE_SUFFIXES))
                joins = joins or (
                    low == "of"
                    and before == "the"
                    and len(parts) == 1
                    and len(parts[-1]) <= 3
                    and rest_len <= 3
                    and not _is_title(_low(parts[-1][0]))
                    and not [t for t in tokens[index + 1 :] if _low(t) in SPLIT_CONNECTORS]
                    and len([t for t in tokens[index + 1 :] if _low(t) != "the"]) <= 2
                )
            if not joins:
                parts.append([])
                continue
        if low == "the" and index > 0 and not parts[-1]:
            continue
        parts[-1].append(token)
    return [trimmed for part in parts if (trimmed := _trim_connectors(part))]


def _trim_connectors(tokens: list[str]) -> list[str]:
    start, end = 0, len(tokens)
    while start < end and tokens[start].lower() in _LEADING_JOINERS:
        start += 1
    while end > start and tokens[end - 1].lower() in _JOINERS:
        end -= 1
    return tokens[start:end]


def _place_key(key: str) -> bool:
    places = _LEXICON.places
    return key in places or key.replace(".", "") in places


def _starts_place(tokens: list[str]) -> bool:
    return any(_place_key(_key(tokens[:length])) for length in (2, 3) if len(tokens) >= length)


def _strip_front(
    tokens: list[str], initial: bool, mention: _Mention, lowercase: set[str], known: set[str]
) -> _Mention | None:
    title_cue = False
    start, end = 0, len(tokens)
    name_goes_on = bool(tokens) and _low(tokens[-1]) in _NAME_GOES_ON
    while start < end:
        low = _low(tokens[start]).rstrip(".")
        more = end - start > 1
        rest = tokens[start:end]
        if (low != "the" and _starts_place(rest)) or (initial and more and _key(rest) in known):
            break
        if low in ROYAL_TITLES and end - start == 2:
            title_cue = True
            break
        connects = start + 1 < end and _low(tokens[start + 1]) in CONNECTORS
        if low in DEMONYMS and more and _demonym_names(tokens[start + 1 : start + 2], end - start):
            break
        led = "-" in low and low.rsplit("-", 1)[-1] in DESCRIPTOR_TAILS
        titled = (_is_title(low) and more and (led or not name_goes_on) and not connects) or (
            end - start > 2
            and _low(tokens[start + 1]) not in CONNECTORS
            and (low in _DESCRIPTORS or (low in _GENERIC and _shout(tokens[start])))
        )
        if initial and (low in STOPWORDS or low in lowercase or titled or low in DEMONYMS):
            title_cue = title_cue or titled
            start += 1
            initial = False
            continue
        if low == "the" and more:
            break
        if low in STOPWORDS and low not in NAME_PARTICLES and low not in REGION_PREFIXES and not name_goes_on:
            start += 1
            continue
        if titled:
            title_cue = True
            start += 1
            continue
        if low in DEMONYMS and more and not name_goes_on:
            start += 1
            continue
        break
    tokens = _strip_back(tokens[start:])
    if not tokens:
        return None
    return _Mention(
        tokens=tokens,
        paragraph=mention.paragraph,
        in_title=mention.in_title,
        initial=initial and len(tokens) == 1,
        before=mention.before if tokens[0] == mention.tokens[0] else "",
        after=mention.after,
        after2=mention.after2,
        title_cue=title_cue,
        shouting=mention.shouting,
        table=mention.table,
    )


def _strip_back(tokens: list[str]) -> list[str]:
    """``tokens`` without edge connectors and trailing demonyms (``World Cup European`` -> ``World Cup``); nothing if
    what is left is one word that names nothing (a stopword, demonym, title, connector, region word, ``Olympic``)."""
    tokens = _trim_connectors(tokens)
    while len(tokens) > 1 and _low(tokens[-1]) in DEMONYMS:
        tokens = _trim_connectors(tokens[:-1])
    if len(tokens) == 1:
        low = _low(tokens[0])
        if low in STOPWORDS or low in DEMONYMS or _is_title(low) or low in CONNECTORS or low in _NAME_ADJECTIVES:
            return []
        if low in REGION_PREFIXES:
            return []
    return tokens


def _demonym_names(following: list[str], length: int) -> bool:
    """Whether a demonym is part of the name it starts: before an organisation head (``European Society of
    Cardiology``, ``British Antarctic Survey``) or a sport alone (``British Athletics``)."""
    word = _low(following[0]) if following else ""
    return word in ORG_HEADS or (length == 2 and word in _SPORT_BODIES)


@lru_cache(maxsize=16384)
def _low(token: str) -> str:
    return fold(token).lower()


def _key(tokens: Iterable[str]) -> str:
    words = [fold(t).lower().replace("’", "'") for t in tokens]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and words[-1].rstrip(".") in LEGAL_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def _display(tokens: list[str]) -> str:
    if len(tokens) > 1 and tokens[-1].lower().rstrip(".") in LEGAL_SUFFIXES:
        tokens = tokens[:-1]
    return " ".join(tokens)


def _candidates(mentions: list[_Mention], lowercase: set[str], blocked: set[str]) -> list[_Candidate]:
    """Candidates from the refined mentions: ordinary mentions first (those away from a sentence start before
    those at one, so a name seen mid-sentence keeps its first word at a sentence start), then the all-caps ones,
    which only count towards names seen in ordinary text or in the gazetteer (``JAPAN`` -> Japan; ``GF GA PTS``
    is nothing). A name seen only in tables (results, standings) is no tag when the article has text of its own."""
    by_key: dict[str, _Candidate] = {}
    known: set[str] = set()
    ordinary = [m for m in mentions if not m.shouting]
    surnames = _surnames(ordinary)
    for raw in sorted(ordinary, key=lambda m: m.initial):
        for mention in _refine(raw, lowercase, known, surnames):
            key = _key(mention.tokens)
            if _add(by_key, key, mention, blocked) and not mention.initial:
                known.add(key)
    for raw in mentions:
        if raw.shouting:
            for mention in _resolve_shouting(raw, by_key):
                _add(by_key, _key(mention.tokens), mention, blocked)
    _merge(by_key)
    if not any(candidate.count > 0 for candidate in by_key.values()):
        for candidate in by_key.values():
            candidate.count = 1.0 if candidate.in_title and candidate.reliable else 0.0
    near = _NearWords(lowercase)
    in_text = any(c.count > 0 and c.in_tables < c.mentions for c in by_key.values())
    kept = []
    for candidate in by_key.values():
        if in_text and candidate.in_tables == candidate.mentions < 2 and not _place_key(candidate.key):
            continue
        if candidate.count <= 0 or (len(candidate.tokens) == 1 and not _single_word_name(candidate, lowercase, near)):
            continue
        candidate.kind = _classify(candidate)
        kept.append(candidate)
    return kept


def _surnames(mentions: list[_Mention]) -> set[str]:
    """Words that follow a given name in some mention (``Erlend Haug``): surnames, whose possessive ends a name
    (``Haug's Conservative Party`` is the Conservative Party)."""
    found = set()
    first_names = _LEXICON.first_names
    for mention in mentions:
        tokens = mention.tokens
        for index in range(len(tokens) - 1):
            if _low(tokens[index]) in first_names:
                found.add(_POSSESSIVE.sub("", _low(tokens[index + 1])))
        words = [_low(t) for t in tokens[:6]]
        while words and (words[0] in TITLE_WORDS or words[0] in _TITLE_MODIFIERS or words[0] in DEMONYMS):
            words = words[1:]
        if 2 <= len(words) <= 3 and len(tokens) <= 6 and not any(_no_surname(w) for w in words):
            found.add(words[-1])
    return found


def _no_surname(word: str) -> bool:
    vocabulary = word in _NAME_GOES_ON or word in ORG_HEADS or word in PLACE_SUFFIXES or word in CONNECTORS
    return vocabulary or _place_key(word)


def _add(by_key: dict[str, _Candidate], key: str, mention: _Mention, blocked: set[str]) -> bool:
    slug = slugify(key)
    if not slug or slug in blocked or slug.removeprefix("the-") in blocked:
        return False
    if all(word in _CALENDAR or _NUMBER.fullmatch(word) for word in key.replace("'s", "").split()):
        return False
    _observe(by_key.setdefault(key, _Candidate(key=key)), mention)
    return True


def _resolve_shouting(mention: _Mention, by_key: dict[str, _Candidate]) -> list[_Mention]:
    """The longest known names (seen in ordinary text, or in the gazetteer) inside an all-caps mention, left to
    right; everything else in it is dropped. At most ``MAX_NAME_TOKENS`` look-ups per token: linear."""
    tokens = [word for word in mention.tokens if word[:1].isalpha() or word in _JOINERS]
    found: list[_Mention] = []
    index = 0
    while index < len(tokens):
        for length in range(min(MAX_NAME_TOKENS, len(tokens) - index), 0, -1):
            span = tokens[index : index + length]
            key = _key(span)
            if key in by_key or _place_key(key):
                display = [t if _DOTTED.fullmatch(t) or len(t) <= 3 and key in by_key else t.capitalize() for t in span]
                found.append(
                    _Mention(
                        tokens=display,
                        paragraph=mention.paragraph,
                        in_title=mention.in_title,
                        initial=False,
                        before="",
                        after="",
                        shouting=True,
                        table=mention.table,
                    )
                )
                index += length
                break
        else:
            index += 1
    return found


class _NearWords:
    """Is a capitalised word one edit (a deletion, insertion, substitution or swap of neighbours) away from a
    lower-case word of the article or a demonym (``Goverment``, ``Engllsh``)? Deletion neighbourhoods of words of
    5 to 20 letters, built on first use: linear in the article's vocabulary."""

    def __init__(self, lowercase: set[str]) -> None:
        self._words = lowercase
        self._deletions: set[str] | None = None

    @staticmethod
    def _delete(word: str) -> set[str]:
        return {word[:i] + word[i + 1 :] for i in range(len(word))}

    def close(self, word: str) -> bool:
        if not 5 <= len(word) <= 20:
            return False
        if self._deletions is None:
            vocabulary = {w for w in self._words | DEMONYMS if 5 <= len(w) <= 21}
            self._deletions = vocabulary | {d for w in vocabulary for d in self._delete(w)}
        mine = self._delete(word)
        return word in self._deletions or bool(mine & self._deletions) and not mine & {word}


def _single_word_name(c: _Candidate, lowercase: set[str], near: _NearWords) -> bool:
    """Whether a one-word candidate is a name: not a generic word (``League``, ``Officials``, one the article also
    writes in lower case, one a typo away from such a word), and seen mid-sentence, or often."""
    key = c.key
    if _place_key(key):
        return True
    if c.quoted:
        return True
    if key in _INSTITUTIONS and key not in lowercase and c.article_cue and c.mentions > c.initial_mentions >= 0:
        return c.mentions >= 2
    if key in ORG_SUFFIXES and key not in lowercase and c.reliable and c.mentions >= 2 and key not in _GENERIC_ONLY:
        return True
    if key in _GENERIC or key in lowercase or (len(key) <= 3 and any(ch.isdigit() for ch in key)):
        return False
    if c.initial_mentions >= c.mentions <= 3 and not c.reliable and key not in _LEXICON.first_names:
        return False
    shouted = c.name.isupper()
    if not c.reliable and key.endswith(_PLURAL_ROLES):
        return False
    if c.mentions <= 1 and not c.merged and not c.person_cue and (shouted or near.close(key)):
        return False
    if c.mentions >= 2 and c.in_tables and c.initial_mentions < c.mentions:
        return True
    return bool(c.reliable) or c.mentions >= 3 or (c.mentions >= 2 and (c.in_title or shouted))


def _observe(candidate: _Candidate, mention: _Mention) -> None:
    display = _display(mention.tokens)
    if display.isupper() and len(display) > 3 and not _DOTTED.fullmatch(display) and _place_key(candidate.key):
        display = " ".join(word.capitalize() for word in display.split())
    weight = 0.0 if mention.in_title else (0.5 if mention.table else 1.0)
    candidate.forms[display] = candidate.forms.get(display, 0.0) + (
        0.1 if mention.shouting else 0.5 if mention.initial else 1.0
    )
    candidate.count += weight
    candidate.mentions += 1
    candidate.in_tables += int(mention.table)
    candidate.article_cue += int(mention.before == "the")
    candidate.reliable += int(
        not mention.table
        and not mention.shouting
        and (not mention.initial or len(mention.tokens) > 1 or mention.after in PERSON_VERBS)
    )
    candidate.in_title = candidate.in_title or mention.in_title
    candidate.first_paragraph = candidate.first_paragraph or mention.paragraph == 0
    candidate.quoted += int(mention.quoted)
    candidate.title_cue += int(mention.title_cue)
    candidate.person_cue += int(mention.after in PERSON_VERBS or mention.before in PERSON_VERBS or mention.title_cue)
    candidate.place_cue += int(mention.before in PLACE_CUES or mention.after in PLACE_SUFFIXES)
    candidate.work_cue += int(mention.before in WORK_CUES or mention.after in WORK_AFTER_CUES)
    legal = _low(mention.tokens[-1]).rstrip(".") in LEGAL_SUFFIXES
    candidate.org_cue += int(mention.before in ORG_CUES)
    candidate.legal = candidate.legal or legal
    candidate.org_cue += int(mention.after in _ORG_AFTER or (mention.after in _SAID and mention.after2 in _IT))
    candidate.initial_mentions += int(mention.initial)
    candidate.sport_cue += int(
        mention.before in SPORT_ORG_BEFORE
        or mention.after in SPORT_ORG_AFTER
        or bool(_SCORE.fullmatch(mention.after))
        or (mention.table and mention.after.isdigit())
    )


def _merge(by_key: dict[str, _Candidate]) -> None:
    """Fold short mentions into the unique longer name they abbreviate (surname -> full name, brand -> company).

    Each longer name is indexed under every token sequence it could be abbreviated to (see ``_abbreviations``), so
    a short name looks up its targets instead of testing every longer name: linear in the total number of tokens.
    """
    longer = sorted(by_key.values(), key=lambda c: -len(c.tokens))
    index: dict[tuple[str, ...], list[_Candidate]] = {}
    for full in longer:
        for abbreviation in _abbreviations(full):
            index.setdefault(abbreviation, []).append(full)
    for short in sorted(by_key.values(), key=lambda c: len(c.tokens)):
        club = short.sport_cue > short.place_cue
        if (short.key in GAZETTEER and not club) or short.quoted:
            continue
        initialled = len(short.tokens) > 1 and len(short.tokens[0].rstrip(".")) == 1
        acronym = len(short.tokens) == 1 and short.name.isupper() and len(short.key.replace(".", "")) >= 2
        lookup = (short.key.replace(".", ""),) if acronym else tuple(short.tokens)
        targets = [
            c
            for c in index.get(lookup, ())
            if c is not short
            and (len(c.tokens) > len(short.tokens) or (initialled and len(c.tokens) == len(short.tokens)))
            and c.count > 0
            and (_abbreviates(short, c) or (acronym and lookup[0] in _initials(c.tokens)))
        ]
        if not targets:
            continue
        if len(targets) > 1 and all(c.tokens[: len(short.tokens)] == short.tokens for c in targets):
            continue
        target = max(targets, key=lambda c: (c.count, len(c.tokens)))
        target.count += short.count
        target.merged += short.count
        target.reliable += short.reliable
        target.in_title = target.in_title or short.in_title
        target.first_paragraph = target.first_paragraph or short.first_paragraph
        target.person_cue += short.person_cue
        target.title_cue += short.title_cue
        target.article_cue += short.article_cue
        target.mentions += short.mentions
        target.in_tables += short.in_tables
        target.initial_mentions += short.initial_mentions
        target.sport_cue += short.sport_cue
        target.org_cue += short.org_cue
        target.legal = target.legal or short.legal
        if target.tokens[-len(short.tokens) :] == short.tokens:
            target.surname_use += short.mentions
        elif target.tokens[: len(short.tokens)] == short.tokens:
            target.brand_use += short.mentions
        short.count = 0


def _abbreviations(full: _Candidate) -> set[tuple[str, ...]]:
    """Every shorter token sequence ``s`` for which ``_abbreviates(s, full)`` may hold (a superset)."""
    f = tuple(full.tokens)
    found: set[tuple[str, ...]] = {(initials,) for initials in _initials(f)}
    places = _LEXICON.places
    if _place_key(f[0]):
        found.add(f[1:])
    if len(f) >= 2 and _place_key(f[-1]) and not _place_key(f[0]):
        found.update({f[:1], f[:-1]})
    if len(f) >= 2 and _place_key(f[0]):
        found.add(f[:1])
    if len(f) >= 3 and _place_key(" ".join(f[:2])):
        found.add(f[:2])
    if f[-1] in ORG_SUFFIXES or f[-1] in EVENT_HEADS or "&" in f or full.quoted:
        found.update(f[:length] for length in range(1, len(f)))
        found.update({f[-1:], (f[0] + "s",)})
    elif not (len(f) > 4 or any(t in places for t in f)):
        found.update(f[-length:] for length in range(1, len(f)))
        found.add(f[:1])
        if f[0][:1].isalpha():
            found.update({(f[0][0], *f[1:]), (f[0][0] + ".", *f[1:])})
    return found


def _initials(tokens: Sequence[str]) -> set[str]:
    """The acronyms a name of two to eight words may go by: its initials with and without connectors (``Bank of
    Japan`` -> ``boj``, ``bj``; ``National Snow and Ice Data Center`` -> ``nsidc``)."""
    if not 2 <= len(tokens) <= MAX_NAME_TOKENS:
        return set()
    if _place_key(tokens[0]) and len(tokens) > 2:
        return _initials(tokens[1:])
    every = "".join(t[0] for t in tokens if t[:1].isalpha())
    content = "".join(t[0] for t in tokens if t[:1].isalpha() and t not in CONNECTORS)
    return {every, content} - {""} if len(content) >= 2 else set()


def _abbreviates(short: _Candidate, full: _Candidate) -> bool:
    s, f = short.tokens, full.tokens
    if len(s) == 1 and len(f) > 1 and s[0] == f[0] + "s" and (f[-1] in ORG_SUFFIXES or f[-1] in EVENT_HEADS):
        return True
    places = _LEXICON.places
    if _place_key(f[0]) and f[1:] == s:
        return True
    if len(f) >= 2 and _place_key(f[-1]) and not _place_key(f[0]) and (s == f[:1] or s == f[:-1]):
        return True
    if _place_key(" ".join(s)) and f[: len(s)] == s and len(f) > len(s):
        return short.sport_cue > short.place_cue
    if f[-1] in ORG_SUFFIXES or f[-1] in EVENT_HEADS or "&" in f or full.quoted:
        return (f[: len(s)] == s or s == f[-1:]) and not (len(s) == 1 and s[0] in STOPWORDS)
    if len(f) > 4 or any(t in places for t in f):
        return False
    if len(s) == len(f) and len(s[0].rstrip(".")) == 1 and len(f[0]) > 2:
        return f[0].startswith(s[0].rstrip(".")) and s[1:] == f[1:]
    return f[-len(s) :] == s or (len(s) == 1 and f[0] == s[0])


def _classify(c: _Candidate) -> TagKind:  # noqa: C901 - one decision list, read top to bottom
    """The kind of a candidate: the gazetteer, then a legal suffix, quotes, the words of the name (suffixes, heads,
    prefixes, a given name first), then its cues in the text (``the`` before it, match context, titles, ``said``)."""
    tokens = c.tokens
    last, first = tokens[-1], tokens[0]
    if _place_key(c.key):
        return "organisation" if c.key in _LEXICON.cities and c.sport_cue > c.place_cue else "place"
    if c.quoted and c.quoted * 2 >= c.reliable:
        return "work"
    if c.legal:
        return "organisation"
    if last in EVENT_HEADS or (len(tokens) > 1 and " ".join(tokens[-2:]) == "grand prix"):
        return "event"
    if len(tokens) > 2 and first in EVENT_HEADS and tokens[1] == "of":
        return "event"
    if last in _WORK_HEADS or (len(tokens) > 1 and any(t in _WORK_NAME_WORDS for t in tokens)):
        return "work"
    if last in _ORG_NOT_PLACE_SUFFIXES or "&" in tokens or (first in ORG_HEADS and "of" in tokens):
        return "organisation"
    if (first in ORG_PREFIXES or first in ORG_HEADS) and len(tokens) > 1:
        return "organisation"
    if any(t in _INNER_ORG_HEADS for t in tokens[1:]) or (last == "court" and first in _COURTS):
        return "organisation"
    if last in PLACE_SUFFIXES or (first in PLACE_PREFIXES and len(tokens) > 1):
        return "place"
    if first in REGION_PREFIXES and (len(tokens) == 2 or " ".join(tokens[1:]) in _LEXICON.places):
        return "place"
    if len(tokens) == 2 and last in _LEXICON.cities and first not in PLACE_PREFIXES:
        return "organisation"
    if len(tokens) > 1 and _NAME_NUMBER.fullmatch(last):
        return "work" if c.work_cue > c.org_cue else "organisation"
    if 2 <= len(tokens) <= 4 and _given_name(first) and last not in ORG_SUFFIXES and not c.article_cue:
        return "person"
    person = c.person_cue + c.surname_use + c.title_cue
    if len(tokens) > 1 and c.org_cue + c.brand_use > person:
        return "organisation"
    if c.work_cue > c.person_cue:
        return "work"
    if 2 * c.in_tables > c.mentions and not c.person_cue:
        return "organisation"
    if last in ORG_SUFFIXES:
        return "organisation"
    name = c.name
    if len(tokens) == 1 and name.isupper() and 2 <= len(name) <= 6:
        return "organisation"
    if len(tokens) == 1:
        if c.title_cue or c.person_cue > c.org_cue + c.place_cue:
            return "person"
        if c.place_cue > c.person_cue + c.org_cue + c.sport_cue:
            return "place"
        return "organisation"
    if len([t for t in tokens if t not in NAME_PARTICLES]) > 3 or tokens[0] == "the":
        return "organisation"
    if c.article_cue > c.person_cue:
        return "organisation"
    if c.sport_cue > c.person_cue and (last.endswith("s") or _place_key(last)):
        return "organisation"
    return "person"


_KIND_WEIGHT: dict[str, float] = {
    "person": 1.0,
    "organisation": 1.0,
    "work": 1.1,
    "event": 1.0,
    "place": 0.7,
    "topic": 1.0,
}


class _Scored(NamedTuple):
    name: str
    slug: str
    kind: TagKind
    score: float
    mentions: int = 0


def _score(candidates: list[_Candidate], title: str) -> list[_Scored]:
    """One scored tag per slug, scores normalised so that the best is 1."""
    folded_title = fold(title).lower()
    best: dict[str, _Scored] = {}
    for c in candidates:
        surname = c.tokens[-1]
        in_title = c.in_title or (
            len(surname) > 3 and surname in folded_title and re.search(rf"\b{re.escape(surname)}\b", folded_title)
        )
        score = c.count + 0.5 * c.merged + (2.5 if in_title else 0.0) + (1.5 if c.first_paragraph else 0.0)
        if len(c.tokens) == 1 and not c.merged and c.kind != "place" and c.mentions < 3:
            score *= 0.6
        item = _Scored(c.name, slugify(c.name), c.kind, score * _KIND_WEIGHT[c.kind], c.mentions)
        if item.slug and (item.slug not in best or item.score > best[item.slug].score):
            best[item.slug] = item
    top = max((item.score for item in best.values()), default=1.0)
    return [item._replace(score=round(item.score / top, 4)) for item in best.values()]


def _topics(title: str, lines: list[tuple[int, str]], taken: set[str]) -> list[_Scored]:
    """Topics whose keywords occur at least ``TOPIC_MIN_HITS`` times (two different keywords at least) and at least
    half as often as those of the strongest topic, and one in the title or first paragraph unless it is the
    strongest, scored below the main entities: a football report that mentions a school visit is no education
    story."""
    text = fold(title + "\n" + "\n".join(line for _, line in lines)).lower()
    lead = fold(title + "\n" + "\n".join(line for number, line in lines if number == 0)).lower()
    found = []
    hits_of: dict[str, int] = dict.fromkeys(TOPICS, 0)
    words_of: dict[str, set[str]] = {topic: set() for topic in TOPICS}
    for word in _TOPIC_PATTERN.findall(text):
        hits_of[_TOPIC_OF[word]] += 1
        words_of[_TOPIC_OF[word]].add(word)
    leading = {_TOPIC_OF[word] for word in _TOPIC_PATTERN.findall(lead)}
    counted = [(topic, hits_of[topic], len(words_of[topic]), topic in leading) for topic in TOPICS]
    best = max((hits for _, hits, _, _ in counted), default=0)
    for topic, hits, distinct, in_lead in counted:
        slug = slugify(topic)
        strong = 2 * hits >= best and (in_lead or hits == best)
        if hits >= TOPIC_MIN_HITS and distinct >= 2 and strong and slug not in taken:
            found.append(_Scored(topic, slug, "topic", round(min(0.6, 0.05 * hits + 0.1), 4)))
    return found


def _with_editorial(extracted: list[_Scored], editorial: Sequence[str], limit: int) -> list[Tag]:
    scores = {item.slug: item.score for item in extracted}
    chosen: dict[str, Tag] = {}
    for raw in editorial:
        name = raw.strip()[:100]
        slug = slugify(name)
        if not slug or slug in chosen or len(chosen) >= limit:
            continue
        chosen[slug] = Tag(name=name, slug=slug, kind="editorial", score=max(EDITORIAL_SCORE, scores.get(slug, 0.0)))
    for item in extracted:
        if len(chosen) >= limit:
            break
        if item.slug not in chosen:
            chosen[item.slug] = Tag(name=item.name[:100], slug=item.slug, kind=item.kind, score=item.score)
    return sorted(chosen.values(), key=lambda tag: -tag.score)
