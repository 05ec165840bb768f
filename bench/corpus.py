#!/usr/bin/env python3
"""Benchmark corpus generator for Masthead.

    python3 bench/corpus.py --articles 100000 --out DIR [--seed 1] [--jobs N] [--force]

Writes, in Masthead's import format (``masthead import DIR``):

    DIR/site.toml                      site name, 6 sections, 40 authors
    DIR/photos/pNN.png                 24 lead photos (1200x800 PNG gradients, pure Python)
    DIR/articles/NNNNNN-slug.md        one article per file, YAML front matter + Markdown body
    DIR/.corpus-complete               written last: "articles=N seed=S version=V"

All text is generated here from word lists and sentence templates written for this file: a
fictional harbour city (Port Ellory), fictional countries, fictional people. Nothing refers to
real people or real events.

Output is deterministic for a given (--seed, --articles): article i depends only on the seed and
i, so the number of worker processes does not change a single byte. Article numbers follow
publication date (000001 is among the oldest, the last ones are published on 2026-11-28).
"""

import argparse
import json
import math
import os
import random
import shutil
import struct
import sys
import time
import zlib
from datetime import datetime, timezone

VERSION = 1
EPOCH_END = datetime(2026, 11, 28, 23, 59, 0, tzinfo=timezone.utc)
SPAN_SECONDS = 3652 * 86400  # ten years (with leap days) up to EPOCH_END
N_PHOTOS = 24
PHOTO_W, PHOTO_H = 1200, 800

# --------------------------------------------------------------------------------------------
# The world: a fictional city, its districts, and a handful of fictional countries.

CITY = "Port Ellory"
DISTRICTS = [
    "Quarry Wharf", "Tollgate", "Ambry Hill", "Netherbrook", "Copperfield Row", "Saltings",
    "Kestle Green", "Marlow Docks", "Fennick Rise", "Old Ropewalk", "Harrowby", "Linnet Park",
    "Castellan Quay", "Brisk Lane", "Wendle Cross", "Oxley Marsh", "Tanner's Reach", "Pellam Heights",
    "Drummond Flats", "St Aubel", "Gullhaven", "Ferrier Street", "Millrace", "the Lantern Quarter",
]
COUNTRIES = [
    "Kaldoria", "Ismerra", "Tavenne", "Druvalia", "Sellabria", "Morvaine", "Estrovia", "Calvenna",
    "Peloria", "Varnholt", "Ostrelle", "Brannock",
]
CAPITALS = [
    "Velsk", "Marisande", "Toravel", "Quenby", "Ardessa", "Lunholm", "Cavrino", "Istrel",
    "Palomère", "Vantry", "Orrenbay", "Skelda",
]
RIVER = "Amberly"

FIRST = [
    "Ana", "Tomasz", "Marisol", "Idris", "Freya", "Kwabena", "Leontine", "Ravi", "Solveig", "Eamon",
    "Yara", "Benedikt", "Ottilie", "Casimir", "Noor", "Anselm", "Liesel", "Joaquim", "Imogen", "Teodor",
    "Ifeoma", "Bastien", "Rosalind", "Mateus", "Henrike", "Cyrus", "Aurelia", "Dmitar", "Saoirse", "Hollis",
    "Junia", "Piet", "Catalina", "Oswin", "Zadie", "Emeric", "Ines", "Lorcan", "Mireille", "Tobias",
    "Adaeze", "Fenwick", "Ilse", "Rashid", "Clemence", "Arvid", "Perpetua", "Dorian", "Margit", "Ezio",
    "Wilhelmina", "Kofi", "Annelie", "Severin", "Thandiwe", "Lucan", "Ondine", "Gideon", "Marit", "Alaric",
]
LAST = [
    "Ribeiro", "Vantongeren", "Ashcombe", "Okparaeke", "Lindqvist", "Marchetti", "Halloran", "Szabó",
    "Quennell", "Abernethy", "Tremayne", "Castellano", "Fairbairn", "Oyelaran", "Brightwater", "Nakashima",
    "Delacroix-Hale", "Penhaligon", "Wojcikowski", "Aldous", "Rennick", "Mbeki-Stone", "Carraway", "Ostergaard",
    "Threlkeld", "Valcourt", "Imrie", "Petrakis", "Holroyd", "Achterberg", "Kilbride", "Moncrieff",
    "Saltonstall", "Ferreira-Lowe", "Dunleavy", "Eskildsen", "Gravenor", "Hathersage", "Ibarrola", "Jessop",
    "Kettleborough", "Larkspur", "Maddox", "Nørgaard", "Ollerton", "Prendergast", "Quist", "Rowntree",
    "Strachan", "Tollemache", "Underhill", "Vardy-Kent", "Wetherell", "Yelland", "Zabrowski", "Blackwood",
]

SECTIONS = [
    ("city", "City", "Council, transport, housing, schools and the neighbourhoods of Port Ellory, from Quarry Wharf to Pellam Heights."),
    ("world", "World", "Diplomacy, elections, trade and conflict beyond the harbour, with correspondents across the northern states."),
    ("business", "Business", "The port, the shipyards, the high street and the start-ups: the companies and people behind the regional economy."),
    ("science", "Science", "Research from Ellory University and beyond, from the floor of the Amberly estuary to the far side of the solar system."),
    ("culture", "Culture", "Theatre, books, music, film, food and museums: reviews, previews and the people who make the city's cultural life."),
    ("sport", "Sport", "Ellory Athletic, rowing on the Amberly, cycling, athletics and the amateur clubs that keep the city playing."),
]

# Per section: roles people hold, organisations, topic noun phrases, tags (50 each), photo scenes.
ROLES = {
    "city": ["a city councillor", "the council's transport chief", "a housing campaigner", "the head teacher of Kestle Green primary",
             "the leader of the council", "a local shopkeeper", "the chair of the residents' association", "a planning officer",
             "the city's chief engineer", "a community nurse", "the deputy mayor", "a tram driver of twenty years"],
    "world": ["the foreign minister", "a senior diplomat", "the opposition leader", "an election monitor", "a regional governor",
              "the prime minister", "a trade negotiator", "a human rights lawyer", "an aid co-ordinator", "a political analyst",
              "the defence minister", "a former ambassador"],
    "business": ["the chief executive", "the finance director", "a port economist", "the union's regional organiser",
                 "a retail analyst", "the company's founder", "a shipping broker", "the chair of the chamber of commerce",
                 "an investor", "the managing director", "a small-business owner", "a senior fund manager"],
    "science": ["a marine biologist", "the lead author of the study", "a professor of astrophysics", "a climate scientist",
                "an ecologist at Ellory University", "a materials chemist", "the project's principal investigator",
                "a geneticist", "an epidemiologist", "a volcanologist", "a doctoral researcher", "the observatory's director"],
    "culture": ["the director", "the festival's artistic director", "the novelist", "the museum's head curator", "the composer",
                "the lead actor", "a restaurant critic", "the gallery's owner", "the choreographer", "a session musician",
                "the theatre's producer", "the poet"],
    "sport": ["the Athletic manager", "the club captain", "the head coach", "a veteran midfielder", "the rowing club's president",
              "the goalkeeper", "the race organiser", "a sports scientist", "the league's chief executive", "the team doctor",
              "the young striker", "the cycling team's director"],
}
ORGS = {
    "city": ["Port Ellory City Council", "the Ellory Transit Authority", "the Harbour Housing Trust", "the Amberly Water Board",
             "the Tollgate Residents' Forum", "the city planning committee", "Ellory Fire and Rescue", "the Civic Libraries Service"],
    "world": ["the Northern Assembly", "the Kaldorian foreign ministry", "the Coastal States Council", "the Estrovian parliament",
              "the Sellabrian electoral commission", "the Inland Sea Compact", "the Tavenne Development Fund", "the Druvalian senate"],
    "business": ["Ellory Ship Repair", "Marlow Freight Lines", "the Chamber of Commerce", "Copperfield Savings Bank",
                 "Lanternlight Foods", "Quayside Logistics", "Harbour Mutual", "Fennick Robotics"],
    "science": ["Ellory University", "the Amberly Marine Station", "the Carrow Ridge Observatory", "the Institute for Coastal Change",
                "the National Soil Survey", "the Kestle Green Hospital research unit", "the Northern Seed Bank", "the Tidal Energy Lab"],
    "culture": ["the Lantern Theatre", "the Ellory Museum of the Sea", "the Ropewalk Gallery", "the Amberly Book Festival",
                "the Castellan Quay Philharmonic", "the Millrace Cinema", "the Saltings Folk Club", "the Civic Opera"],
    "sport": ["Ellory Athletic", "the Amberly Rowing Club", "the Harbour Harriers", "the Northern League",
              "Pellam Heights Cycling Club", "the city swimming federation", "Tollgate Rovers", "the Ellory Open committee"],
}
THINGS = {
    "city": ["the new tram line", "the harbour flood wall", "the school merger", "the Tollgate housing estate",
             "the bus network review", "the library closures", "the waterfront redevelopment", "the parking charges",
             "the bridge repairs", "the street lighting upgrade", "the council budget", "the cycle lane scheme",
             "the night-time economy plan", "the market hall restoration", "the ferry timetable",
             "the new fire station", "the school meals contract", "the harbour car park", "the riverside path",
             "the rent controls", "the park café lease", "the night bus trial", "the recycling changes",
             "the council tax rise", "the allotment waiting list", "the old gasworks site"],
    "world": ["the border agreement", "the snap election", "the fishing treaty", "the coalition talks",
              "the water-sharing accord", "the ceasefire", "the constitutional referendum", "the grain shipments",
              "the sanctions package", "the summit", "the refugee corridor", "the new trade route",
              "the currency crisis", "the drought relief plan", "the fisheries dispute", "the presidential race",
              "the dam project", "the peace plan", "the new constitution", "the island vote", "the pipeline deal",
              "the embassy row", "the census results", "the port blockade", "the wheat harvest", "the press law"],
    "business": ["the takeover bid", "quarterly profits", "the shipyard contract", "container volumes",
                 "the pay dispute", "the interest-rate decision", "the store closures", "the share offer",
                 "the export figures", "the merger talks", "the new factory", "fuel prices", "the pension fund",
                 "the high-street vacancy rate", "the dividend cut", "the wage deal", "the rail freight link",
                 "the new ferry order", "the bank's results", "the start-up funding round", "the retail slump",
                 "the tourism season", "the office conversions", "the brewery sale", "the energy bills",
                 "the property market"],
    "science": ["the seagrass survey", "the comet observations", "the battery prototype", "the estuary otter count",
                "the coral spawning study", "the new vaccine trial", "the glacier measurements",
                "the soil carbon project", "the deep-sea camera", "the antibiotic discovery",
                "the migration tracking study", "the fusion experiment", "the earthquake model",
                "the ancient pollen record", "the bee census", "the tidal turbine", "the meteorite fragment",
                "the sleep study", "the plastic-eating bacteria", "the bird-flu monitoring", "the satellite launch",
                "the fossil dig", "the new telescope", "the river temperature data", "the kelp forest survey",
                "the moth count"],
    "culture": ["the new production", "the autumn season", "the retrospective exhibition", "the debut novel",
                "the restored organ", "the film festival", "the poetry prize", "the reopening of the gallery",
                "the touring opera", "the jazz weekend", "the new restaurant", "the folk revival",
                "the museum's acquisition", "the children's theatre", "the book prize shortlist", "the winter panto",
                "the photography show", "the new concert hall", "the street art trail", "the folk festival",
                "the cookbook", "the youth orchestra tour", "the documentary premiere", "the puppet festival",
                "the literary memoir", "the craft fair"],
    "sport": ["the derby", "the cup run", "the transfer window", "the new stadium", "the rowing regatta",
              "the title race", "the relegation battle", "the marathon", "the coaching change", "the youth academy",
              "the cyclocross series", "the injury crisis", "the season opener", "the promotion play-off",
              "the regatta", "the women's cup final", "the new signing", "the ticket price rise", "the away record",
              "the penalty shoot-out", "the league restructure", "the club takeover", "the veteran's farewell",
              "the school sports day", "the half-marathon", "the harbour swim"],
}
TAG_NAMES = {
    "city": ["council", "transport", "trams", "buses", "housing", "planning", "schools", "libraries", "flooding", "harbour",
             "budget", "policing", "parking", "cycling-lanes", "bridges", "waterfront", "tollgate", "quarry-wharf", "ambry-hill",
             "netherbrook", "saltings", "kestle-green", "marlow-docks", "fennick-rise", "old-ropewalk", "harrowby", "linnet-park",
             "castellan-quay", "pellam-heights", "lantern-quarter", "markets", "streets", "rents", "homelessness", "parks",
             "recycling", "elections-local", "courts", "fire-service", "hospitals", "childcare", "roadworks", "night-buses",
             "heritage", "allotments", "air-quality", "noise", "water-supply", "ferries", "city-hall"],
    "world": ["kaldoria", "ismerra", "tavenne", "druvalia", "sellabria", "morvaine", "estrovia", "calvenna", "peloria",
              "varnholt", "ostrelle", "brannock", "diplomacy", "elections", "trade", "sanctions", "ceasefire", "refugees",
              "drought", "water-rights", "fisheries", "borders", "summits", "parliaments", "coalitions", "referendums",
              "human-rights", "aid", "treaties", "migration", "famine", "protests", "constitutions", "currencies", "grain",
              "shipping-lanes", "islands", "northern-states", "inland-sea", "embassies", "espionage", "courts-international",
              "press-freedom", "monarchy", "census", "pipelines", "earthquake-relief", "peace-talks", "navies", "tariffs"],
    "business": ["economy", "shipping", "shipyards", "retail", "jobs", "interest-rates", "inflation", "banking", "pensions",
                 "startups", "takeovers", "mergers", "profits", "exports", "imports", "unions", "strikes", "wages", "energy-prices",
                 "fuel", "property", "commercial-property", "tourism", "hospitality", "manufacturing", "robotics", "logistics",
                 "containers", "insurance", "savings", "markets-stocks", "bonds", "small-business", "high-street", "farming",
                 "fishing-industry", "food-industry", "breweries", "technology", "telecoms", "airlines", "rail-freight",
                 "construction", "bankruptcies", "investment", "tax", "budget-national", "consumer", "house-prices", "chamber"],
    "science": ["marine-biology", "seagrass", "astronomy", "comets", "climate", "batteries", "energy", "otters", "birds",
                "coral", "vaccines", "medicine", "glaciers", "soil", "oceans", "deep-sea", "antibiotics", "genetics",
                "evolution", "fossils", "volcanoes", "earthquakes", "fusion", "physics", "chemistry", "mathematics",
                "robots", "artificial-intelligence", "space", "satellites", "telescopes", "insects", "bees", "forests",
                "rivers", "estuary", "pollution", "plastics", "weather", "tides", "archaeology", "pollen", "epidemiology",
                "nutrition", "sleep", "neuroscience", "materials", "university-research", "citizen-science", "wildlife"],
    "culture": ["theatre", "books", "music", "film", "food", "museums", "galleries", "opera", "dance", "poetry", "jazz",
                "folk", "classical", "festivals", "restaurants", "reviews", "previews", "interviews", "photography",
                "architecture", "design", "fashion", "television", "radio", "comedy", "children", "libraries-culture",
                "history", "crafts", "sculpture", "painting", "novels", "nonfiction", "prizes", "orchestras", "choirs",
                "nightlife", "cinema", "street-art", "games", "podcasts", "heritage-sites", "translation", "memoir",
                "cookbooks", "wine", "bakeries", "markets-food", "circus", "puppetry"],
    "sport": ["football", "athletic", "tollgate-rovers", "rowing", "cycling", "cyclocross", "athletics", "marathon",
              "swimming", "sailing", "rugby", "cricket", "tennis", "basketball", "hockey", "netball", "boxing", "judo",
              "golf", "triathlon", "transfers", "stadiums", "youth-sport", "womens-football", "northern-league",
              "cup-competitions", "injuries", "coaching", "referees", "fans", "tickets", "derbies", "records", "olympics",
              "paralympics", "school-sport", "climbing", "skateboarding", "orienteering", "darts", "snooker", "chess",
              "motorsport", "horse-racing", "fishing-sport", "gymnastics", "volleyball", "squash", "badminton", "regattas"],
}
SCENES = {
    "city": ["a tram crossing a bridge in evening light", "terraced houses on a steep street after rain",
             "a busy market hall seen from the balcony", "the council chamber during a vote", "workers repairing a flood wall at low tide"],
    "world": ["delegates shaking hands in a marble hall", "a crowd with flags outside a parliament building",
              "a cargo ship waiting at the mouth of a harbour", "a convoy of lorries on a dusty border road", "voters queueing outside a school"],
    "business": ["stacked containers and cranes at the port", "a shop window with closing-down signs",
                 "welders at work inside a ship hull", "traders watching screens on a busy floor", "a new factory building under grey skies"],
    "science": ["a researcher kneeling in a seagrass meadow at low tide", "a telescope dome open under a starry sky",
                "an otter swimming in a river at dawn", "a scientist holding a test tube up to the light", "a survey boat on a calm estuary"],
    "culture": ["actors rehearsing on a bare stage", "visitors looking at paintings in a bright gallery",
                "a jazz trio playing in a small club", "a chef plating food in an open kitchen", "an author signing books at a long table"],
    "sport": ["a footballer celebrating in front of the stand", "rowers pulling hard on a misty river",
              "cyclists racing through mud in a park", "fans in scarves outside a stadium", "a runner crossing the finish line"],
}
CREDITS = ["Port Ellory Press Agency", "Harbour Pictures", "Benchmark Gazette/staff photographer", "Ellory Photo Desk",
           "Northern Wire Photos", "Gazette archive", "Quayside Images", "handout"]

# --------------------------------------------------------------------------------------------
# Templates. {P} is the article's main person, {R} their role; {P2}/{R2} a second voice; {PS}
# the main person's surname; {PL} a district; {ORG}, {THING} come from the article's section;
# the rest are drawn per use from the lists in WORDS.

HEADLINES = {
    "city": ["{THING_C} delayed again as costs rise in {PL}", "Residents of {PL} fight plans for {THING}",
             "Council approves {THING} after {HOURS}-hour debate",
             "{PL} braces for disruption as work on {THING} begins", "Why {THING} matters more than you think",
             "{N} homes promised in {PL} under new scheme", "{ORG_C} admits mistakes over {THING}",
             "Night of {ADJ_EVENT} leaves {PL} counting the cost", "What {THING} will mean for your street",
             "Campaigners win reprieve for {PL} library", "{PL} traders say {THING} is hurting business",
             "Inside the plan to rebuild {PL}", "{N} sign petition to save the {NOUN_PLACE} in {PL}",
             "Live updates: {THING} vote at City Hall", "Explainer: the fight over {THING}",
             "{PL} residents told to expect {MONTHS} months of roadworks", "City Hall split over {THING}",
             "{THING_C}: your questions answered", "Tram drivers in {PL} warn over {THING}",
             "How {PL} learned to love {THING}", "{PL} school to close as pupil numbers fall",
             "Why {THING} is running late", "{ORG_C} promises to fix {THING} by {MONTH}",
             "After the flood: {PL} one year on"],
    "world": ["{COUNTRY} and {COUNTRY2} agree {THING} after weeks of talks", "Voters in {COUNTRY} head to the polls",
              "{THING_C} collapses as {COUNTRY} walks out", "Thousands march in {CAPITAL} over {THING}",
              "{COUNTRY}'s government survives confidence vote", "What {THING} means for the northern states",
              "Aid reaches {COUNTRY} border towns after {SMALLN}-day delay",
              "{COUNTRY} recalls ambassador from {CAPITAL2}", "Analysis: the quiet winners of {THING}",
              "{COUNTRY} opposition claims victory in {THING}", "Drought pushes {COUNTRY} to ration water",
              "Ports reopen in {COUNTRY} after strike ends", "{COUNTRY} signs {THING} with {COUNTRY2}",
              "Explainer: why {THING} matters to Port Ellory", "Live: results of the {COUNTRY} election",
              "{CAPITAL} on edge as {THING} stalls", "Fishing fleets in {COUNTRY} defy ban",
              "{COUNTRY} and {COUNTRY2} trade accusations over {THING}",
              "Letter from {CAPITAL}: a city waiting for {THING}", "{COUNTRY} leader resigns after {THING}",
              "{N} detained after protests in {CAPITAL}", "Storm leaves {N} without power across {COUNTRY}",
              "How {THING} changed {COUNTRY}", "{COUNTRY} to hold vote on {THING}"],
    "business": ["{ORG_C} to cut {N} jobs as {THING} bites", "{ORG_C} reports record year despite {THING}",
                 "Shares in {ORG} jump {PCT} per cent on {THING}", "{THING_C}: what it means for savers",
                 "Port Ellory firms warn over {THING}", "{ORG_C} wins {MONEY} contract",
                 "Family bakery in {PL} sold after {YRS} years", "Workers at {ORG} vote to strike over pay",
                 "Inside the {PL} start-up betting on robots", "{THING_C} falls for {NTH} month in a row",
                 "Why {THING} could lift the harbour economy", "{ORG_C} chief steps down after {THING}",
                 "{ORG_C} shares slide after {THING}", "Explainer: {THING} and your money",
                 "{PL} shop owners count cost of {THING}", "{ORG_C} opens new site in {PL} creating {N} jobs",
                 "{THING_C} beats forecasts", "Union and {ORG} agree deal on {THING}",
                 "The {PL} family firm that survived {YRS} years of change", "{ORG_C} in talks over {THING}",
                 "Port traffic hits {NTH} record in a row", "{THING_C}: winners and losers",
                 "{ORG_C} fined over {THING}", "Why investors are nervous about {THING}"],
    "science": ["Scientists find {ADJ_SCI} result in {THING}", "{THING_C} reveals surprise in the {RIVER} estuary",
                "Ellory team builds {ADJ_SCI} prototype", "Comet {COMET} will be visible from Port Ellory this week",
                "Otters return to the {RIVER} after {YRS} years",
                "Seagrass meadows are spreading again, survey finds", "Explained: how {THING} works",
                "{ORG_C} researchers win {MONEY} grant", "A {ADJ_SCI} way to store energy in salt water",
                "Birdwatchers count {PCT2} species on the estuary", "Why {THING} has scientists worried",
                "Ancient pollen tells the story of the {RIVER} valley", "{ORG_C} unveils {THING}",
                "What {THING} tells us about the {RIVER}", "Volunteers needed for {THING}",
                "{THING_C} delayed by bad weather", "The {ADJ_SCI} science behind {THING}",
                "Students from {PL} join {THING}", "Sky guide: what to look for in {MONTH}",
                "{THING_C}: the first results are in", "Researchers in {PL} test {THING}",
                "Rare moth found in {PL} garden", "{ORG_C} scientists map the estuary floor",
                "How {THING} could help the harbour"],
    "culture": ["Review: {WORK} is a {ADJ_REVIEW} evening at {ORG}", "{ORG_C} announces {THING} with {SMALLN} premieres",
                "{WORK}: the {ADJ_REVIEW} novel everyone in {PL} is reading",
                "Jazz club in {PL} saved by crowdfunding", "Restaurant review: {RESTAURANT}, {PL}",
                "{ORG_C} reopens after {MONTHS}-month refit", "Interview: the composer who writes for the harbour",
                "Five things to see at {THING} this weekend", "{WORK} review: {ADJ_REVIEW}, strange and very funny",
                "The museum that wants you to touch everything", "Book festival line-up revealed",
                "Why the folk scene in {PL} is thriving", "{WORK} review: {ADJ_REVIEW} and full of surprises",
                "{ORG_C} unveils {THING}", "What to see this week: {THING} and more",
                "Interview: the author of {WORK}", "{RESTAURANT} review: {ADJ_REVIEW} cooking in {PL}",
                "{THING_C} sells out in {MONTHS} minutes", "The making of {WORK}", "{PL} gallery to host {THING}",
                "Ten years of {ORG}", "Preview: {THING} comes to {PL}", "{WORK} is the surprise hit of the season",
                "Letters: readers on {THING}"],
    "sport": ["Athletic beat {RIVAL} {SCORE} in {ADJ_MATCH} derby", "{RIVAL} stun Athletic with late winner",
              "Athletic sign {P_NAME} from {RIVAL}", "Rowers prepare for the Head of the {RIVER}",
              "Cyclocross returns to Linnet Park", "Athletic manager under pressure after {NTH} defeat",
              "Marathon to close roads across {PL} on Sunday", "{RIVAL} and Athletic draw {SCORE_DRAW} in the rain",
              "Teenager breaks {YRS}-year-old club record", "Inside the academy producing Athletic's next stars",
              "Title race: who can still win the Northern League?", "Stadium plan for {PL} clears first hurdle",
              "Match report: Athletic {SCORE} {RIVAL}", "{RIVAL} sack manager after {THING}",
              "Athletic fans protest over {THING}", "Preview: Athletic v {RIVAL}",
              "{P_NAME} signs new deal with Athletic", "The {YRS}-year wait is over for {RIVAL}",
              "Record crowd for {THING}", "Rowing: Amberly crews dominate the Head of the {RIVER}",
              "{PL} club celebrates {THING}", "Athletic held by {RIVAL} in {ADJ_MATCH} draw",
              "How Athletic plan to handle {THING}", "Cycling: {P_NAME} wins in Linnet Park"],
}
HEADLINE_PREFIXES = ["Analysis: ", "Exclusive: ", "Comment: ", "Explainer: ", "Update: ", "In pictures: ",
                     "Opinion: ", "Long read: "]
HEADLINE_SUFFIXES = [", says {PS}", ", report finds", ", survey suggests", " as {N} sign petition",
                     " after {MONTHS}-month wait", ", {PS} warns", " despite {PCT}% rise in costs",
                     ", figures show", " — and what comes next", ", {PS} tells the Gazette"]
STANDFIRSTS = [
    "{P}, {R}, said the decision would shape {THING} for a generation. Critics are not so sure.",
    "After months of argument, {ORG} has made its choice. Here is what happens next.",
    "The move follows {MONTHS} months of talks and leaves several questions unanswered.",
    "It is the biggest change to {THING} in a decade, and not everyone is happy.",
    "Figures published on {DAY} show a sharp shift, and {ORG} says it is only the beginning.",
    "{P} explains why {THING} matters, and what could still go wrong.",
    "Our correspondent spent a week in {PL} talking to the people most affected.",
    "The surprise announcement caught {ORG} off guard, and the reaction has been swift.",
]
LEADS = [
    "{ORG_C} has confirmed that {THING} will go ahead, ending {MONTHS} months of uncertainty for people in {PL}.",
    "{THING_C} took an unexpected turn on {DAY} when {P}, {R}, said that the original plan would have to be {VERB_CHANGE}.",
    "People in {PL} woke on {DAY} to the news that {THING} had been {VERB_CHANGE}, a decision {ORG} described as unavoidable.",
    "For the first time in {YRS} years, {THING} is back at the top of the agenda in {CITY}.",
    "A report published on {DAY} by {ORG} says that {THING} could cost far more than expected, possibly as much as {MONEY}.",
    "{P} has spent most of the past {YRS} years working on {THING}, and on {DAY} finally saw the result.",
    "{P} had not expected {THING} to become the talk of {PL}, but by {DAY} evening it was all anyone discussed.",
    "The figures are stark: {PCT} per cent of those asked said {THING} had made their lives {COMPARATIVE}.",
]
SENTENCES = [
    "{P}, {R}, said the plan had been discussed for {MONTHS} months before anyone outside {ORG} saw it.",
    "The decision follows a consultation in which more than {N} people responded, most of them from {PL}.",
    "According to figures seen by the Gazette, the cost has risen by {PCT} per cent since the first estimate.",
    "Critics say the timetable is {ADJ_NEG} and that {ORG} has not explained how it will be paid for.",
    "Supporters argue that {THING} will make {PL} {COMPARATIVE} within a few years.",
    "{PS} said the early results were {ADJ_POS}, but warned that it was too soon to draw firm conclusions.",
    "A spokesperson for {ORG} declined to comment on the details, saying only that work was continuing.",
    "{P2}, {R2}, disagreed, describing the proposal as {ADJ_NEG} and badly timed.",
    "The first phase is expected to be finished by {MONTH} {YEAR}, although similar projects have often run late.",
    "In {PL}, opinion appears to be divided, with older residents more sceptical than younger ones.",
    "It is not the first time {THING} has caused controversy: a similar plan was dropped in {PASTYEAR}.",
    "The numbers tell only part of the story, {PS} said, pointing to the {N} families who had written to {ORG}.",
    "Officials expect to publish a full assessment in {MONTH}, once the {NOUN_DOC} has been reviewed.",
    "There are also questions about who will be responsible if {THING} fails to deliver what was promised.",
    "On {DAY}, a small group gathered outside the offices of {ORG} holding placards and handing out leaflets.",
    "{ORG_C} says the scheme will pay for itself within {SMALLN} years, a claim its opponents dispute.",
    "Independent analysts were more cautious, noting that costs of this kind tend to rise over time.",
    "For now, the {NOUN_PLACE} in {PL} remains open, and people there say they intend to keep it that way.",
    "The change will apply from {MONTH}, with a review after the first {SMALLN} months.",
    "{PS} has been {R} since {PASTYEAR} and is known for taking a {ADJ_STYLE} approach.",
    "Asked whether the plan could still be changed, {PS} said that \"nothing is final until it is built\".",
    "The {NOUN_DOC} runs to {N} pages and includes {SMALLN} separate recommendations.",
    "Several of those recommendations have already been accepted, while others are still being studied.",
    "Those who live closest to the site say they have been given little information about what to expect.",
    "The original estimate of {MONEY} is now widely regarded as too low.",
    "What happens next depends largely on a meeting scheduled for {DAY} {DATE} {MONTH}.",
    "At that meeting, members will be asked to choose between {SMALLN} options, none of them cheap.",
    "{P2} said she had seen nothing like it in {YRS} years, and that the mood in {PL} had changed.",
    "It was, by most accounts, a {ADJ_STYLE} debate, with neither side willing to give ground.",
    "Records show that the idea was first proposed in {PASTYEAR}, by a group of residents from {PL2}.",
    "Since then it has been revised at least {SMALLN} times, each version a little more modest than the last.",
    "The weather did not help: heavy rain on {DAY} forced work to stop for most of the afternoon.",
    "Visitors to {PL} this week will notice new signs explaining the changes in {SMALLN} languages.",
    "{ORG_C} has set up a telephone line and a drop-in centre for anyone with questions.",
    "Not everyone is convinced that the money is being spent in the right place.",
    "The latest survey, carried out in {MONTH}, found that {PCT} per cent of respondents supported the idea.",
    "That is down from {PCT2} per cent a year earlier, a fall that {PS} called \"a warning worth hearing\".",
    "Much will depend on the weather, the budget and, as one official put it, a certain amount of luck.",
    "A second report, due in {MONTH}, is expected to look more closely at the long-term effects.",
    "The {NOUN_PLACE} on the corner of {STREET} has become an unofficial meeting point for both camps.",
    "Behind the headline figures lies a more complicated picture, one that varies from street to street.",
    "The proposal was drawn up by a working group of {SMALLN} officials and {SMALLN} outside advisers.",
    "A petition opposing the change had gathered {N} signatures by {DAY} evening.",
    "Minutes of the meeting, released under freedom of information rules, show that the risks were discussed at length.",
    "{PS} insisted that lessons had been learned from what went wrong in {PASTYEAR}.",
    "Not all the news is bad: several early measures appear to be working as intended.",
    "The timing has raised eyebrows, coming only weeks before the {NOUN_DOC} was due to be published.",
    "One option, favoured by {ORG}, would see the work done in stages over {SMALLN} years.",
    "Another would do everything at once, at greater cost but with less disruption in the long run.",
    "Those in favour point to the example of {PL2}, where a similar approach has been tried.",
    "Those against say {PL2} is a very different place, with different needs.",
    "It remains unclear how the change will affect people who rely on the {NOUN_PLACE}.",
    "A full list of the affected addresses has been posted on the noticeboard at the {NOUN_PLACE}.",
    "There was applause from the public gallery when the result was announced, and some booing.",
    "The mood at the drop-in session on {DAY} was polite but wary, according to people who attended.",
    "{PS} acknowledged that communication had been poor in the early stages.",
    "The previous attempt ran out of money halfway through, leaving a half-finished {NOUN_PLACE} behind.",
    "Some of the questions raised in {PASTYEAR} have still not been answered.",
    "The Gazette asked {ORG} for a breakdown of the figures; it has not yet provided one.",
    "A spokesperson said the figures would be published \"in due course\".",
    "The decision can be challenged within {SMALLN} weeks, and at least one group has said it will try.",
    "For many in {PL}, the issue is less about money than about trust.",
    "Local historians point out that the area has been through changes like this before.",
    "In the {PASTDECADE}s, a similar scheme transformed the waterfront, though not everyone remembers it fondly.",
    "Turnout at the public meetings has been higher than usual, a sign of how strongly people feel.",
    "{P2} said the debate had brought neighbours together who had never spoken before.",
    "The {NOUN_DOC} also notes that demand is likely to grow by about {PCT} per cent over the next decade.",
    "Engineers have warned that delays could push costs up further.",
    "By late afternoon, a queue had formed outside the {NOUN_PLACE} on {STREET}.",
    "It is a question that will not go away, whatever happens at next month's meeting.",
    "The changes are due to be phased in from {MONTH} {YEAR}.",
    "Similar plans elsewhere have had mixed results, according to a study by {ORG}.",
    "The study looked at {SMALLN} comparable cases and found no clear pattern.",
    "{PS}, who grew up in {PL2}, said the issue was personal as well as professional.",
    "Asked about the criticism, {PS} said: \"We will be judged on results, and that is fair.\"",
    "A final decision is expected before the end of {MONTH}.",
    "That leaves little time for the further consultation that campaigners have called for.",
    "{ORG_C} said it would publish answers to the most common questions on its website.",
    "It has also promised to hold a second round of meetings, this time in the evenings.",
    "The gap between the two sides is narrower than the rhetoric suggests, according to one person involved in the talks.",
]
SECTION_SENTENCES = {
    "city": [
        "Trams on the {LINE} line were replaced by buses for much of the week while engineers inspected the track.",
        "The council's cabinet will discuss the proposals on {DAY}, before a full vote in {MONTH}.",
        "Rents in {PL} have risen by {PCT} per cent in three years, faster than anywhere else in the city.",
        "The harbour wall was last strengthened in {PASTYEAR}, and engineers say it is near the end of its life.",
        "Parents at the school say they were told about the change in a letter sent home on a {DAY}.",
        "Councillors from all parties agreed that the {NOUN_PLACE} on {STREET} needed urgent repairs.",
        "Bus passengers in {PL} have complained for years about services that arrive late or not at all.",
        "The city's planning committee has received more than {N} objections to the scheme.",
        "The number {SMALLN} bus, which serves {PL} and {PL2}, is among the routes under review.",
        "A councillor for {PL} said residents had been \"kept in the dark\" for too long.",
        "The city's population has grown by about {PCT} per cent since {PASTYEAR}, putting pressure on schools and surgeries.",
        "The ferry across the {RIVER} carried {N} passengers on its busiest day last summer.",
        "Potholes on {STREET} have been reported {N} times this year alone.",
        "Waiting lists for social housing in the city now stand at more than {N} households.",
        "A new crossing near the school on {STREET} was installed after years of campaigning by parents.",
        "Street lights in {PL} are being replaced with low-energy lamps, a job due to finish in {MONTH}.",
    ],
    "world": [
        "Talks in {CAPITAL} lasted until the early hours, according to two officials who were present.",
        "{COUNTRY} has long insisted that any agreement must include guarantees on {THING}.",
        "The last election in {COUNTRY}, in {PASTYEAR}, produced a fragile coalition that lasted barely a year.",
        "Observers from the Coastal States Council said voting had been largely orderly.",
        "In {CAPITAL}, shops were shuttered and the main square was filled with riot police by mid-afternoon.",
        "Relations between {COUNTRY} and {COUNTRY2} have been strained since a dispute over fishing grounds.",
        "Aid agencies say {N} people have been forced from their homes in the border region.",
        "The foreign ministry in {CAPITAL2} said it was \"studying the text carefully\" and would respond in due course.",
        "{COUNTRY}'s parliament is due to debate the measure on {DAY}, though the outcome is far from certain.",
        "The agreement, if ratified, would be the first of its kind between the two countries since {PASTYEAR}.",
        "Turnout was reported at {PCT2} per cent, higher than at the last election.",
        "The governing party lost ground in the north but held on in the capital, {CAPITAL}.",
        "Ships carrying grain were held at the port of {CAPITAL2} for several days.",
        "Diplomats described the atmosphere at the talks as \"frank but constructive\".",
        "Fishing communities on both sides of the strait say they have been ignored.",
        "The currency fell {SMALLN} per cent against its neighbours in a single morning.",
    ],
    "business": [
        "Shares in {ORG} closed {PCT} per cent higher after the announcement.",
        "The company employs about {N} people, most of them at its site in {PL}.",
        "Container traffic through Port Ellory rose by {PCT} per cent last year, the port authority said.",
        "Analysts had expected a smaller profit, citing higher fuel and wage costs.",
        "The union said its members had not had a real-terms pay rise since {PASTYEAR}.",
        "The firm's order book now stretches to {YEAR}, according to its latest annual report.",
        "Small businesses in {PL} say higher energy bills are the biggest threat they face.",
        "The bank's central forecast is for growth of about {SMALLN} per cent next year.",
        "The company was founded in {PL} in {PASTYEAR} and is still partly owned by the founding family.",
        "Revenue rose to {MONEY}, while operating costs increased more slowly.",
        "The deal still needs the approval of competition regulators.",
        "Shipyard workers will vote on the offer over the next {SMALLN} weeks.",
        "The high-street vacancy rate in Port Ellory now stands at {PCT} per cent.",
        "Exports to {COUNTRY} make up about a fifth of the port's traffic.",
        "The chamber of commerce said firms were cautiously optimistic about the year ahead.",
        "Prices at the pump have risen for {SMALLN} weeks in a row.",
    ],
    "science": [
        "The study, published in the journal {JOURNAL}, followed {N} samples over {SMALLN} years.",
        "The team used underwater cameras and sonar to map the seabed in unprecedented detail.",
        "The results have not yet been independently replicated, the authors note.",
        "Funding for the project came from {ORG} and a group of private donors.",
        "Measurements taken in the {RIVER} estuary show the water is {SMALLN} degrees warmer than it was in {PASTYEAR}.",
        "Volunteers logged more than {N} sightings during the survey, many of them from the river path.",
        "The prototype can store enough energy to power a small house for {SMALLN} days.",
        "Other researchers called the work promising but said larger trials were needed.",
        "Seagrass can capture carbon many times faster than a forest of the same area, the researchers say.",
        "The comet will be best seen low in the western sky about an hour after sunset.",
        "The team hopes to repeat the survey every year for at least a decade.",
        "The findings suggest the population is recovering faster than models had predicted.",
        "Samples were analysed at laboratories in Port Ellory and {CAPITAL}.",
        "The instrument was built by a team of {SMALLN} engineers in a former boatshed.",
        "Citizen scientists contributed almost half of the records used in the study.",
        "The next stage will test whether the effect holds in colder water.",
    ],
    "culture": [
        "The production runs at {ORG} until {DATE} {MONTH}, with tickets from {PRICE}.",
        "The novel, her {NTH}, is set in a fictional version of {PL} in the years after the war.",
        "The design is {ADJ_REVIEW}: a single table, {SMALLN} chairs and a wall of shifting light.",
        "The second half loses some momentum, but the final scene is worth the wait.",
        "The menu changes with the seasons; on our visit it leaned heavily on the harbour's catch.",
        "The exhibition brings together {N} works, many of which have never been shown in public.",
        "The band played for almost three hours, ending with a song nobody in the room seemed to know.",
        "Admission is free for under-18s, and the gallery is open late on {DAY}s.",
        "The lead performance is the best thing here: wry, precise and quietly devastating.",
        "The author, who grew up in {PL}, spent {SMALLN} years writing the book.",
        "Dishes range from {PRICE} for small plates to about twice that for mains.",
        "The orchestra has commissioned {SMALLN} new works for the season.",
        "The gallery's small upstairs room holds the most striking pieces.",
        "The festival runs over {SMALLN} days, with events in venues across the city.",
        "The film was shot on location in {PL} over a wet autumn.",
        "Some scenes are too long, and the dialogue occasionally strains for effect.",
    ],
    "sport": [
        "Athletic went ahead after {SMALLN} minutes through a header from a corner.",
        "The visitors pressed for an equaliser but rarely troubled the goalkeeper.",
        "The result leaves Athletic {NTH} in the table, {SMALLN} points off the play-off places.",
        "The crews will race over a course of about {SMALLN} kilometres, finishing at the {RIVER} bridge.",
        "The club confirmed the signing on {DAY} but did not disclose the fee.",
        "More than {N} runners have entered, a record for the event.",
        "The manager said his players had shown \"real character\" in difficult conditions.",
        "The next match is away at {RIVAL} on {DAY}, live on local radio.",
        "The striker has now scored {SMALLN} goals in his last {MONTHS} games.",
        "Attendance at the stadium was {N}, the highest of the season.",
        "The rowing club has produced {SMALLN} international athletes in the past decade.",
        "The course takes in the river path, the old docks and a steep climb through {PL}.",
        "Athletic's defence, so solid last season, has conceded in each of the last {SMALLN} matches.",
        "The academy now has more than {N} young players on its books.",
        "The referee's decision to award a penalty was greeted with fury from the away end.",
        "Riders will tackle {SMALLN} laps of a muddy course in Linnet Park.",
    ],
}
QUOTES = [
    "We have listened, and we have changed the plan where we could",
    "This is not what people were promised, and they know it",
    "Nobody pretends this will be easy, but doing nothing is not an option",
    "I have lived here for {YRS} years and I have never seen anything like it",
    "The evidence is clear, even if the politics are not",
    "We need to be honest about the costs as well as the benefits",
    "It is a good start, but it is only a start",
    "People deserve better than another round of promises",
    "If we get this right, it will change the way we live in {PL}",
    "The details matter, and at the moment we do not have enough of them",
    "There is a lot of goodwill out there, and we should not waste it",
    "I think most people will be pleasantly surprised",
    "We are not against change, we are against being ignored",
    "Every week we wait, the bill gets bigger",
    "You cannot run a city on good intentions alone",
    "I would like to see the people making this decision come and live here for a month",
    "It is the right idea in the wrong place",
    "We have been asking for this for years, so of course we welcome it",
    "Nobody I have spoken to thinks this is a good idea",
    "The real test will come in the winter",
    "We owe it to the next generation to get this right",
    "There are no easy answers, only trade-offs",
    "I am cautiously optimistic, and I do not say that often",
    "What worries me is what happens when the money runs out",
    "We are a small team, and we have done something remarkable",
    "It has been a long road, but we are nearly there",
    "Frankly, it came as a shock to all of us",
    "The numbers speak for themselves",
    "This is about people, not spreadsheets",
    "Give it a year and judge us then",
]
QUOTE_FRAMES = [
    "\"{Q},\" said {P}, {R}.",
    "\"{Q},\" {PS} said.",
    "\"{Q},\" said {P2}, {R2}. \"{Q2}.\"",
    "{P2}, {R2}, put it more bluntly: \"{Q}.\"",
    "\"{Q},\" {PS} told the Gazette. \"{Q2}.\"",
]
SUBHEADS = [
    "What happens next", "The cost", "A long history", "Who is affected", "The view from {PL}", "What the critics say",
    "Questions remain", "The numbers", "Background", "Why now?", "The bigger picture", "What they said",
    "A divided {NOUN_PLACE}", "Looking ahead", "How we got here", "The fine print",
]
LIST_INTROS = [
    "The main points of the plan are:", "Among the changes announced on {DAY}:", "The report makes several recommendations:",
    "Key dates for residents:", "What we know so far:", "The options on the table are:",
]
LIST_ITEMS = [
    "a review of {THING} within {SMALLN} months", "{N} new jobs, most of them in {PL}",
    "extra funding of {MONEY} over {SMALLN} years", "a public meeting in {PL} on {DAY}",
    "changes to opening hours from {MONTH}", "an independent panel to oversee the work",
    "a freeze on new applications until {MONTH} {YEAR}", "free advice sessions at the {NOUN_PLACE}",
    "a new timetable for the {LINE} line", "quarterly progress reports from {ORG}",
    "a pilot scheme in {PL} and {PL2}", "compensation for {N} households",
]

CAPTIONS = [
    "{P} at {PL} on {DAY}.", "The scene in {PL} earlier this week.", "{ORG_C} says work will continue through {MONTH}.",
    "A quiet moment in {PL}, where opinion on {THING} is divided.", "{P2}, {R2}, photographed in {PL}.",
    "File photo: {PL} in {PASTYEAR}.",
]

WORDS = {
    "DAY": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "MONTH": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"],
    "ADJ_NEG": ["unrealistic", "rushed", "confusing", "too cautious", "poorly thought through", "expensive", "vague",
                "short-sighted", "unfair", "premature"],
    "ADJ_POS": ["encouraging", "better than expected", "promising", "remarkable", "solid", "striking", "reassuring"],
    "ADJ_STYLE": ["careful", "combative", "pragmatic", "patient", "forthright", "methodical", "bruising", "good-natured"],
    "ADJ_SCI": ["surprising", "unusual", "record-breaking", "puzzling", "remarkable", "tiny", "new", "unexpected"],
    "ADJ_REVIEW": ["gripping", "tender", "uneven", "dazzling", "bold", "quietly brilliant", "overlong", "joyful", "haunting"],
    "ADJ_MATCH": ["a bruising", "a breathless", "a rain-soaked", "a scrappy", "a thrilling", "a tense"],
    "ADJ_EVENT": ["storms", "flooding", "gales", "power cuts", "high tides", "fire"],
    "COMPARATIVE": ["better", "worse", "safer", "busier", "quieter", "more expensive", "easier", "harder"],
    "VERB_CHANGE": ["delayed", "scaled back", "redesigned", "put on hold", "brought forward", "rethought", "split in two"],
    "NOUN_DOC": ["report", "consultation response", "business case", "environmental study", "audit", "review"],
    "NOUN_PLACE": ["community hall", "library", "market", "bus depot", "swimming pool", "health centre", "corner shop",
                   "church hall", "youth club", "sports ground"],
    "STREET": ["Chandler Street", "Rope Lane", "Harbour Road", "Mill Terrace", "Quay Street", "Beacon Hill Road",
               "Anchor Row", "Cooper's Yard", "Gannet Street", "Long Causeway"],
    "LINE": ["Red", "Blue", "Harbour", "University", "Northern", "Riverside"],
    "JOURNAL": ["Coastal Systems", "the Northern Review of Ecology", "Estuarine Letters", "Materials Frontiers",
                "the Journal of Small Bodies", "Annals of Field Biology"],
    "RIVAL": ["Tollgate Rovers", "Netherbrook Town", "Harrowby United", "Skelda City", "Fennick Albion", "Marlow Wanderers",
              "Oxley Athletic", "Castellan FC"],
    "SCORE": ["2-1", "3-1", "1-0", "4-2", "3-0", "2-0"],
    "SCORE_DRAW": ["0-0", "1-1", "2-2", "3-3"],
    "NTH": ["second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"],
    "WORK": ["The Lamplighter's Daughter", "Salt and Iron", "Low Water", "The Quiet Harbour", "A Map of Small Rooms",
             "Northbound", "The Glass Orchard", "Tidewrack", "Winter Ferry", "The Ropemaker", "Songs for a Dry Year",
             "The Cartographer's Cat"],
    "RESTAURANT": ["The Brass Anchor", "Marisco", "Little Gull", "Hearth & Brine", "The Copper Pan", "Sable",
                   "Oyster Row", "The Net Loft"],
    "COMET": ["Avelar", "Tresk", "Lindholm-Okafor", "Pellinor", "Quennell"],
    "PRICE": ["£12", "£15", "£18", "£22", "£9.50"],
}


def slugify(text):
    out = []
    pending = False
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            if pending and out:
                out.append("-")
            pending = False
            out.append(ch)
        elif ch in "'’":
            continue
        else:
            folded = {"é": "e", "è": "e", "ø": "o", "ó": "o", "á": "a", "à": "a", "ü": "u", "ö": "o", "&": "and"}.get(ch)
            if folded:
                if pending and out:
                    out.append("-")
                pending = False
                out.append(folded)
            else:
                pending = True
    return "".join(out).strip("-")


def compile_template(t):
    """'a {X} b' -> ('a %s b', ('X',)); literal percent signs are escaped."""
    fmt, keys, i = [], [], 0
    t = t.replace("%", "%%")
    while True:
        j = t.find("{", i)
        if j < 0:
            fmt.append(t[i:])
            break
        k = t.index("}", j)
        fmt.append(t[i:j])
        fmt.append("%s")
        keys.append(t[j + 1:k])
        i = k + 1
    return "".join(fmt), tuple(keys)


def compile_all(lst):
    return [compile_template(t) for t in lst]


C_HEADLINES = {s: compile_all(v) for s, v in HEADLINES.items()}
C_HEADLINE_SUFFIXES = compile_all(HEADLINE_SUFFIXES)
C_STANDFIRSTS = compile_all(STANDFIRSTS)
C_LEADS = compile_all(LEADS)
C_SENT = {s: compile_all(SENTENCES + SECTION_SENTENCES[s] * 2) for s in SECTION_SENTENCES}
C_QUOTES = compile_all(QUOTES)
C_QFRAMES = compile_all(QUOTE_FRAMES)
C_SUBHEADS = compile_all(SUBHEADS)
C_LIST_INTROS = compile_all(LIST_INTROS)
C_LIST_ITEMS = compile_all(LIST_ITEMS)
C_CAPTIONS = compile_all(CAPTIONS)


def cap(s):
    return s[:1].upper() + s[1:]


# --------------------------------------------------------------------------------------------
# Site-level data: authors, tags. Derived from Random(seed) only.

def make_site(seed):
    rng = random.Random(seed)
    firsts, lasts = FIRST[:], LAST[:]
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    authors = []
    seen = set()
    beats = {
        "city": "covers the council, housing and transport",
        "world": "reports on diplomacy and elections across the northern states",
        "business": "writes about the port, the shipyards and the high street",
        "science": "covers research, the environment and the night sky",
        "culture": "reviews theatre, books and music",
        "sport": "follows Ellory Athletic and the city's rowing and cycling clubs",
    }
    for i in range(40):
        name = f"{firsts[i % len(firsts)]} {lasts[(i * 7) % len(lasts)]}"
        slug = slugify(name)
        assert slug not in seen
        seen.add(slug)
        section = SECTIONS[i % 6][0]
        years = 2 + (i * 5) % 23
        bio = (f"{name} {beats[section]} for the Gazette. "
               f"{'She' if i % 2 == 0 else 'He'} joined the paper {years} years ago "
               f"and lives in {DISTRICTS[i % len(DISTRICTS)]}.")
        authors.append({"slug": slug, "name": name, "bio": bio, "section": section})
    tags = {s: [t for t in TAG_NAMES[s]] for s, _, _ in SECTIONS}
    for s, lst in tags.items():
        assert len(lst) == 50 and len(set(lst)) == 50, (s, len(lst))
        rng.shuffle(lst)  # the head of each list is the popular end
    allt = [t for lst in tags.values() for t in lst]
    assert len(set(allt)) == 300, len(set(allt))
    bad = {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}
    assert not (set(allt) & bad)
    return authors, tags


def write_site_toml(out, authors):
    def q(s):
        return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string here
    lines = [
        f"name = {q('The Benchmark Gazette')}",
        f"tagline = {q('Port Ellory’s daily paper, from the harbour to the northern states (a generated benchmark corpus)')}",
        f"time_zone = {q('Europe/Lisbon')}",
        "",
    ]
    for slug, name, desc in SECTIONS:
        lines += ["[[sections]]", f"slug = {q(slug)}", f"name = {q(name)}", f"description = {q(desc)}", ""]
    for a in authors:
        lines += ["[[authors]]", f"slug = {q(a['slug'])}", f"name = {q(a['name'])}", f"bio = {q(a['bio'])}", ""]
    with open(os.path.join(out, "site.toml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


# --------------------------------------------------------------------------------------------
# Photos: small set of PNG gradients written with zlib + struct.

def png_bytes(width, height, rows):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 on every row
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def make_photo(rng, w, h):
    c0 = [rng.randrange(20, 236) for _ in range(3)]
    c1 = [rng.randrange(20, 236) for _ in range(3)]
    # One horizontal gradient row, a bit wider than the image so it can slide (diagonal bands).
    extra = w // 2
    base = bytearray()
    for x in range(w + extra):
        t = x / (w + extra - 1)
        wave = 0.5 + 0.5 * math.sin(x / (37.0 + rng.random()))
        for c in range(3):
            v = c0[c] + (c1[c] - c0[c]) * t
            base.append(max(0, min(255, int(v + 18 * wave))))
    base = bytes(base)
    # Per-row brightness shift through bytes.translate tables, cached by offset.
    tables = {}
    rows = []
    slope = rng.uniform(0.1, 0.6)
    horizon = rng.uniform(0.3, 0.7) * h
    for y in range(h):
        off = int(-40 + 80 * y / h + (25 if y > horizon else 0))
        tab = tables.get(off)
        if tab is None:
            tab = bytes(max(0, min(255, v + off)) for v in range(256))
            tables[off] = tab
        shift = int(y * slope) % extra
        rows.append(base[3 * shift:3 * (shift + w)].translate(tab))
    return png_bytes(w, h, rows)


def write_photos(out, seed):
    d = os.path.join(out, "photos")
    os.makedirs(d, exist_ok=True)
    rng = random.Random(seed * 7919 + 13)
    for i in range(N_PHOTOS):
        data = make_photo(rng, PHOTO_W, PHOTO_H)
        with open(os.path.join(d, f"p{i + 1:02d}.png"), "wb") as f:
            f.write(data)


# --------------------------------------------------------------------------------------------
# Articles.

_G = {}  # per-process globals set by init_worker


def init_worker(out, seed, n_articles, authors, tags):
    _G.update(out=out, seed=seed, n=n_articles, authors=authors, tags=tags,
              by_section={s: [a["slug"] for a in authors if a["section"] == s] for s, _, _ in SECTIONS},
              all_authors=[a["slug"] for a in authors])


def gen_article(i):
    """Article number i (0-based). Returns (filename, text)."""
    g = _G
    rng = random.Random(g["seed"] * 1_000_003 + i)
    rnd = rng.random
    ch = rng.choice
    randint = rng.randint

    sec_idx = int(rnd() * 6)
    section = SECTIONS[sec_idx][0]
    roles = ROLES[section]
    orgs = ORGS[section]
    things = THINGS[section]

    def person():
        return f"{ch(FIRST)} {ch(LAST)}"

    p = person()
    p2 = person()
    ci = int(rnd() * len(COUNTRIES))
    ci2 = (ci + 1 + int(rnd() * (len(COUNTRIES) - 1))) % len(COUNTRIES)
    org = ch(orgs)
    thing = ch(things)
    pl = ch(DISTRICTS)
    year = 2017 + (i * 10) // g["n"]
    slots = dict(WORDS)
    slots.update({
        "P": p, "PS": p.split(" ", 1)[1], "R": ch(roles), "P2": p2, "R2": ch(roles), "P_NAME": person(),
        "ORG": org, "ORG_C": cap(org), "THING": thing, "THING_C": cap(thing), "PL": pl, "PL2": DISTRICTS,
        "CITY": CITY, "RIVER": RIVER, "COUNTRY": COUNTRIES[ci], "COUNTRY2": COUNTRIES[ci2],
        "CAPITAL": CAPITALS[ci], "CAPITAL2": CAPITALS[ci2], "YEAR": str(year + randint(0, 2)),
    })
    ctx_types = str

    def fill(tpl):
        fmt, keys = tpl
        vals = []
        for k in keys:
            v = slots.get(k)
            if v is None:
                if k == "N":
                    v = f"{int(12 + rnd() * rnd() * 4000):,}"
                elif k == "SMALLN":
                    v = str(2 + int(rnd() * 9))
                elif k == "PCT":
                    v = str(3 + int(rnd() * 60))
                elif k == "PCT2":
                    v = str(20 + int(rnd() * 70))
                elif k == "MONEY":
                    v = f"£{1 + int(rnd() * 400)}{ch(('m', 'm', 'bn', ',000'))}"
                elif k == "MONTHS":
                    v = str(2 + int(rnd() * 28))
                elif k == "YRS":
                    v = str(3 + int(rnd() * 38))
                elif k == "PASTDECADE":
                    v = str(1950 + 10 * int(rnd() * 6))
                elif k == "PASTYEAR":
                    v = str(year - 1 - int(rnd() * 30))
                elif k == "DATE":
                    v = str(1 + int(rnd() * 28))
                elif k == "HOURS":
                    v = str(3 + int(rnd() * 9))
                elif k in ("Q", "Q2"):
                    v = next_quote()
                else:
                    raise KeyError(k)
            elif type(v) is not ctx_types:
                v = v[int(rnd() * len(v))]
            vals.append(v)
        return fmt % tuple(vals)

    quote_pool = C_QUOTES[:]
    rng.shuffle(quote_pool)
    quote_pos = [0]

    def next_quote():
        k = quote_pos[0] % len(quote_pool)
        quote_pos[0] = k + 1
        return fill(quote_pool[k])

    headline = fill(ch(C_HEADLINES[section]))
    r = rnd()
    if ":" in headline:
        pass
    elif r < 0.12:
        headline = ch(HEADLINE_PREFIXES) + headline
    elif r < 0.30 and section in ("city", "world", "business", "science") and headline[-1] not in "?!":
        headline += fill(ch(C_HEADLINE_SUFFIXES))
    headline = cap(headline)
    standfirst = fill(ch(C_STANDFIRSTS))

    # Body length: log-normal, ~750 words on average, clipped to 200..1460 (a final sentence may add a
    # few words); 4..20 paragraphs, counting the lead and a list's introduction.
    target = int(math.exp(rng.gauss(6.53, 0.42)))
    target = max(200, min(1460, target))
    n_par = max(4, min(20, round(target / rng.uniform(42, 75))))
    per_par = target / n_par
    sent_pool = C_SENT[section][:]
    rng.shuffle(sent_pool)
    sent_pos = [0]

    def next_sentence():
        k = sent_pos[0]
        if k == len(sent_pool):
            rng.shuffle(sent_pool)
            k = 0
        sent_pos[0] = k + 1
        return fill(sent_pool[k])

    blocks = []
    words = 0
    lead = fill(ch(C_LEADS))
    blocks.append(lead)
    words += lead.count(" ") + 1
    # where to put optional extras
    subhead_at = set()
    if target > 450 and rnd() < 0.55:
        for _ in range(1 + int(rnd() * 3)):
            subhead_at.add(2 + int(rnd() * max(1, n_par - 3)))
    list_at = 2 + int(rnd() * max(1, n_par - 3)) if rnd() < 0.2 else -1
    quote_block_at = 3 + int(rnd() * max(1, n_par - 4)) if rnd() < 0.06 else -1
    pi = 0
    paras = 1
    while paras < 20:
        pi += 1
        remaining = target - words
        if remaining <= 0 and paras >= 4:
            break
        if pi in subhead_at:
            blocks.append("## " + fill(ch(C_SUBHEADS)))
        if pi == list_at and paras < 18:
            blocks.append(fill(ch(C_LIST_INTROS)))
            paras += 1
            marker = "1." if rnd() < 0.3 else "-"
            items = []
            for k in range(3 + int(rnd() * 4)):
                item = cap(fill(ch(C_LIST_ITEMS)))
                items.append(f"{k + 1}. {item}" if marker == "1." else f"- {item}")
                words += item.count(" ") + 2
            blocks.append("\n".join(items))
        if pi == quote_block_at:
            q = next_quote()
            blocks.append(f"> {q}.\n>\n> — {p2}")
            words += q.count(" ") + 3
        last = paras == 19
        remaining = target - words
        if not last and remaining > 60 and rnd() < 0.28:
            para = fill(ch(C_QFRAMES))
            w = para.count(" ") + 1
            if rnd() < 0.5:
                s = next_sentence()
                para += " " + s
                w += s.count(" ") + 1
        else:
            budget = remaining if last else min(remaining, per_par * rng.uniform(0.6, 1.4))
            sents = []
            w = 0
            while w < budget or not sents:
                s = next_sentence()
                sents.append(s)
                w += s.count(" ") + 1
            if rnd() < 0.04:
                sents[-1] = sents[-1][:-1] + f" (see the [full {ch(WORDS['NOUN_DOC'])}](https://example.org/docs/{i + 1}))."
            elif rnd() < 0.05:
                sents[0] = f"*{sents[0]}*"
            para = " ".join(sents)
        blocks.append(para)
        paras += 1
        words += w
    body = "\n\n".join(blocks)

    # Metadata.
    hl_slug = slugify(headline)
    if len(hl_slug) > 90:
        hl_slug = hl_slug[:90].rsplit("-", 1)[0]
    slug = f"{hl_slug}-{i + 1}"
    sec_tags = g["tags"][section]
    r = rnd()
    n_tags = 1 if r < 0.30 else (2 if r < 0.65 else (3 if r < 0.87 else 4))
    tags = []
    while len(tags) < n_tags:
        if tags and rnd() < 0.12:
            other = g["tags"][SECTIONS[int(rnd() * 6)][0]]
            t = other[int(len(other) * rnd() * rnd())]
        else:
            t = sec_tags[int(len(sec_tags) * rnd() * rnd())]
        if t not in tags:
            tags.append(t)
    home = g["by_section"][section]
    r = rnd()
    n_auth = 1 if r < 0.85 else (2 if r < 0.98 else 3)
    authors = [ch(home)]
    while len(authors) < n_auth:
        a = ch(g["all_authors"]) if rnd() < 0.4 else ch(home)
        if a not in authors:
            authors.append(a)
    r = rnd()
    access = "metered" if r < 0.80 else ("free" if r < 0.92 else "registered")
    breaking = "true" if rnd() < 0.003 else "false"

    # Publication time: article i sits at fraction (i + jitter) / n of the ten years; daytime hours.
    end_ts = int(EPOCH_END.timestamp())
    day_start = end_ts - SPAN_SECONDS + int(SPAN_SECONDS * (i + rnd()) / g["n"])
    day_start -= day_start % 86400
    secs = int((5.5 + 17 * rnd() ** 1.3) * 3600) // 60 * 60
    ts = min(day_start + secs, end_ts)
    published = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    photo = sec_idx * 4 + int(rnd() * 4) + 1
    scene = ch(SCENES[section])
    alt = cap(scene) + "."
    caption = fill(ch(C_CAPTIONS))
    credit = ch(CREDITS)
    if credit == "Benchmark Gazette/staff photographer":
        credit = f"Benchmark Gazette/{person()}"

    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731
    text = (
        "---\n"
        f"headline: {q(headline)}\n"
        f"slug: {slug}\n"
        f"standfirst: {q(standfirst)}\n"
        f"section: {section}\n"
        f"tags: [{', '.join(tags)}]\n"
        f"authors: [{', '.join(authors)}]\n"
        f"published: {published}\n"
        f"access: {access}\n"
        f"breaking: {breaking}\n"
        "lead_photo:\n"
        f"  file: ../photos/p{photo:02d}.png\n"
        f"  alt: {q(alt)}\n"
        f"  caption: {q(caption)}\n"
        f"  credit: {q(credit)}\n"
        "---\n\n"
        f"{body}\n"
    )
    return f"{i + 1:06d}-{hl_slug}.md", text



def write_chunk(bounds):
    lo, hi = bounds
    d = os.path.join(_G["out"], "articles")
    nbytes = 0
    for i in range(lo, hi):
        name, text = gen_article(i)
        data = text.encode("utf-8")
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        nbytes += len(data)
    return hi - lo, nbytes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (output does not depend on it)")
    ap.add_argument("--force", action="store_true", help="replace an existing corpus in --out")
    ap.add_argument("--chunk", type=int, default=500)
    args = ap.parse_args()
    if args.articles < 1:
        ap.error("--articles must be at least 1")

    out = args.out
    arts = os.path.join(out, "articles")
    if os.path.exists(os.path.join(out, "site.toml")) or (os.path.isdir(arts) and os.listdir(arts)):
        if not args.force:
            sys.exit(f"corpus.py: {out} already holds a corpus; pass --force to replace it")
        print(f"corpus: removing the old corpus in {out}", flush=True)
        for sub in ("articles", "photos"):
            shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
        for f in ("site.toml", ".corpus-complete"):
            try:
                os.remove(os.path.join(out, f))
            except FileNotFoundError:
                pass
    os.makedirs(arts, exist_ok=True)

    t0 = time.monotonic()
    authors, tags = make_site(args.seed)
    write_site_toml(out, authors)
    write_photos(out, args.seed)
    print(f"corpus: site.toml and {N_PHOTOS} photos written in {time.monotonic() - t0:.1f}s", flush=True)

    n = args.articles
    chunks = [(lo, min(n, lo + args.chunk)) for lo in range(0, n, args.chunk)]
    done = 0
    total_bytes = 0
    step = max(1000, n // 20)
    next_report = step

    def report(force=False):
        nonlocal next_report
        if force or done >= next_report:
            el = time.monotonic() - t0
            print(f"corpus: {done}/{n} articles ({total_bytes / 1e6:.0f} MB) in {el:.1f}s, {done / max(el, 1e-9):.0f}/s",
                  flush=True)
            while next_report <= done:
                next_report += step

    if args.jobs > 1 and len(chunks) > 1:
        import multiprocessing as mp
        ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
        with ctx.Pool(args.jobs, initializer=init_worker, initargs=(out, args.seed, n, authors, tags)) as pool:
            for cnt, nb in pool.imap_unordered(write_chunk, chunks):
                done += cnt
                total_bytes += nb
                report()
    else:
        init_worker(out, args.seed, n, authors, tags)
        for c in chunks:
            cnt, nb = write_chunk(c)
            done += cnt
            total_bytes += nb
            report()
    if next_report - step < done:
        report(force=True)
    with open(os.path.join(out, ".corpus-complete"), "w") as f:
        f.write(f"articles={n} seed={args.seed} version={VERSION}\n")
    print(f"corpus: done: {n} articles, {total_bytes / 1e6:.1f} MB of Markdown in {out} "
          f"({time.monotonic() - t0:.1f}s)", flush=True)


if __name__ == "__main__":
    main()
