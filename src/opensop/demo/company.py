"""The fixed description of Atelier Durand SA: regions, sites, families, resources, components, suppliers, lanes.

Everything a planner would recognise by name is declared here once, as plain constants, so the generators only
add randomness (volumes, prices, noise) on top of a company whose shape never changes with the seed.
Seasonal indices are *sell-in* profiles (retailers order before the consumer season), January to December.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

CUISINE, JARDIN, SAV = "CUISINE", "JARDIN", "SAV"
LYON, ANGERS, ORLEANS = "PL-LYON", "PL-ANGERS", "WH-ORLEANS"
PLANTS: tuple[str, ...] = (LYON, ANGERS)
WAREHOUSE = ORLEANS


@dataclass(frozen=True)
class RegionSpec:
    region_id: str
    channel: str
    description: str
    priority: int
    mix: float  # typical share of an item's demand
    growth: float  # yearly volume growth of the channel
    price_factor: float  # net price relative to the French retail list price
    sold_share: float  # share of the catalogue listed in the region


REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("FR-NORD", "retail", "France Nord : grande distribution et GSB", 1, 0.34, 0.00, 1.00, 1.0),
    RegionSpec("FR-SUD", "industry", "France Sud : professionnels, CHR et négoce", 1, 0.30, 0.01, 0.96, 1.0),
    RegionSpec("EXPORT", "export", "Export : Benelux, Allemagne, Espagne, Italie", 3, 0.16, 0.04, 0.84, 0.5),
    RegionSpec("ECOM", "e-commerce", "Boutique en ligne et places de marché", 2, 0.20, 0.12, 1.08, 0.7),
)
REGION_IDS: tuple[str, ...] = tuple(r.region_id for r in REGIONS)

# Which site ships to a region: the warehouse serves retail north and e-commerce, the making plant serves the
# south directly, export leaves mostly from the plant with a top-up from the warehouse.
WAREHOUSE_SHARE: dict[str, float] = {"FR-NORD": 1.0, "FR-SUD": 0.0, "EXPORT": 0.3, "ECOM": 1.0}


@dataclass(frozen=True)
class SiteSpec:
    site_id: str
    kind: str
    description: str
    storage_cover_months: float  # storage for this many months of the site's average item throughput


SITES: tuple[SiteSpec, ...] = (
    SiteSpec(LYON, "plant", "Usine de Lyon-Vénissieux : articles culinaires et électroménager", 1.5),
    SiteSpec(ANGERS, "plant", "Usine d'Angers : motoculture, arrosage, barbecues, mobilier", 1.5),
    SiteSpec(ORLEANS, "warehouse", "Plateforme logistique d'Orléans-Saran", 2.5),
)


@dataclass(frozen=True)
class ResourceSpec:
    resource_id: str
    site_id: str
    kind: str
    description: str
    target_utilisation: float | None  # None: sized for the peak with slack; a value: sized on the mean (tight)
    hourly_rate: float | None  # machine conversion cost per hour used, EUR/hour (labour: the wage, `supply.WAGES`)
    overtime_cost: float  # EUR per overtime hour


RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec("LYO-EMB", LYON, "machine", "Presses d'emboutissage", None, 32.0, 55.0),
    ResourceSpec("LYO-EMA", LYON, "machine", "Four et ligne d'émaillage", 0.74, 48.0, 80.0),
    ResourceSpec("LYO-USI", LYON, "machine", "Centres d'usinage", None, 40.0, 60.0),
    ResourceSpec("LYO-ASM", LYON, "machine", "Ligne d'assemblage et conditionnement cuisine", None, 25.0, 45.0),
    ResourceSpec("LYO-MO", LYON, "labour", "Opérateurs de production Lyon", None, None, 47.0),
    ResourceSpec("ANG-INJ", ANGERS, "machine", "Presses à injecter", None, 38.0, 60.0),
    ResourceSpec("ANG-SOU", ANGERS, "machine", "Soudure et peinture poudre", None, 30.0, 50.0),
    ResourceSpec("ANG-ASM", ANGERS, "machine", "Ligne d'assemblage motoculture et barbecues", 0.82, 28.0, 48.0),
    ResourceSpec("ANG-MO", ANGERS, "labour", "Opérateurs de production Angers", 0.80, None, 46.0),
)
RESOURCE_IDS: tuple[str, ...] = tuple(r.resource_id for r in RESOURCES)

HOURS_PER_WORKER = 140.0
MAX_OVERTIME_PER_WORKER = 20.0
MACHINE_OVERTIME_SHARE = 0.2  # a weekend shift adds about a fifth of regular machine hours
SUMMER_SHUTDOWN_FACTOR = 0.6  # two weeks of plant closure in August
MAINTENANCE: tuple[tuple[str, int, float], ...] = (
    # resource, month of year (0 = January) of its first occurrence in the horizon, share of regular capacity left
    ("LYO-EMA", 1, 0.5),  # furnace relining in the kitchen trough
    ("ANG-INJ", 0, 0.6),  # injection press overhaul before the garden season
)


@dataclass(frozen=True)
class ComponentSpec:
    component_id: str
    description: str
    unit_cost: float
    target_utilisation: float | None  # supplier capacity sized on mean requirement (binding) or on the peak


COMPONENTS: tuple[ComponentSpec, ...] = (
    ComponentSpec("C-MOT-TH", "Moteur thermique 140 cm3", 95.0, 0.85),
    ComponentSpec("C-MOT-EL", "Moteur électrique brushless", 28.0, None),
    ComponentSpec("C-BAT-36", "Batterie lithium 36 V", 60.0, None),
    ComponentSpec("C-PCB", "Carte électronique de commande", 12.0, None),
    ComponentSpec("C-FONTE", "Ébauche fonte brute", 14.0, None),
    ComponentSpec("C-INOX", "Flan inox 18/10", 6.0, None),
    ComponentSpec("C-ALU", "Flan aluminium", 3.0, None),
    ComponentSpec("C-VERRE", "Couvercle verre trempé", 4.0, None),
    ComponentSpec("C-BRUL", "Brûleur gaz inox", 22.0, None),
    ComponentSpec("C-TUBE", "Kit tubes et tôles acier", 8.0, None),
)


@dataclass(frozen=True)
class SupplierSpec:
    supplier_id: str
    part_id: str
    lead_time_months: int
    capacity_share: float  # share of the part's total supplier capacity
    cost_factor: float  # price relative to the component's reference cost


SUPPLIERS: tuple[SupplierSpec, ...] = (
    SupplierSpec("S1", "C-MOT-TH", 3, 1.0, 1.00),  # single source, binding in the mowing season
    SupplierSpec("S2", "C-MOT-EL", 2, 0.7, 1.00),
    SupplierSpec("S3", "C-MOT-EL", 3, 0.3, 0.90),  # cheaper Asian second source, longer lead time
    SupplierSpec("S3", "C-BAT-36", 3, 1.0, 1.00),
    SupplierSpec("S3", "C-PCB", 3, 1.0, 1.00),
    SupplierSpec("S4", "C-FONTE", 2, 1.0, 1.00),
    SupplierSpec("S5", "C-INOX", 1, 0.6, 1.00),
    SupplierSpec("S6", "C-INOX", 2, 0.4, 0.92),
    SupplierSpec("S6", "C-ALU", 1, 1.0, 1.00),
    SupplierSpec("S7", "C-VERRE", 2, 1.0, 1.00),
    SupplierSpec("S8", "C-BRUL", 2, 1.0, 1.00),
    SupplierSpec("S9", "C-TUBE", 1, 1.0, 1.00),
)

LANES: tuple[tuple[str, str, float, int], ...] = (
    (LYON, ORLEANS, 0.90, 0),
    (ANGERS, ORLEANS, 0.70, 0),
    (LYON, ANGERS, 1.10, 1),
    (ANGERS, LYON, 1.10, 1),
)

Bom = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class FamilySpec:
    family_id: str
    category_id: str
    description: str
    n_items: int
    plant: str
    season: tuple[float, ...]  # sell-in index, January..December
    median_volume: float  # median monthly units of an item, all regions together
    growth: float  # yearly volume trend of the family
    price_range: tuple[float, float]  # French retail list price, EUR/unit
    routing: tuple[tuple[str, float], ...]  # resource, hours per unit for a mid-size item
    boms: tuple[Bom, ...]  # alternative bills of components; item i uses boms[i % len(boms)]
    names: tuple[str, ...]
    variants: tuple[str, ...]
    price_increase: float  # list price increase on 1 January
    intermittent: bool = False
    subcontract: bool = False  # an outside partner can make it at a premium


_KITCHEN = (0.85, 0.80, 0.90, 0.90, 0.90, 0.85, 0.80, 0.75, 1.00, 1.15, 1.50, 1.55)
_GIFT = (0.75, 0.70, 0.80, 0.80, 0.85, 0.80, 0.70, 0.70, 0.95, 1.20, 1.80, 1.95)
_APPLIANCE = (0.90, 0.80, 0.85, 0.85, 0.90, 0.85, 0.80, 0.75, 0.95, 1.10, 1.65, 1.60)
_MOWING = (0.60, 0.85, 1.20, 1.60, 1.55, 1.10, 0.90, 0.60, 0.80, 0.75, 0.60, 0.55)
_TRIMMING = (0.55, 0.65, 1.05, 1.40, 1.55, 1.40, 1.15, 0.70, 0.90, 0.85, 0.55, 0.50)
_WATERING = (0.45, 0.55, 0.90, 1.35, 1.65, 1.75, 1.55, 1.00, 0.70, 0.55, 0.40, 0.45)
_TOOLS = (0.60, 0.80, 1.30, 1.45, 1.35, 1.10, 0.95, 0.80, 1.00, 1.05, 0.70, 0.60)
_GRILL = (0.45, 0.60, 0.95, 1.40, 1.65, 1.55, 1.25, 0.65, 0.60, 0.50, 0.55, 0.65)
_FURNITURE = (0.40, 0.65, 1.25, 1.65, 1.70, 1.50, 1.15, 0.60, 0.60, 0.50, 0.40, 0.40)
_SPARES = (0.80, 0.85, 1.10, 1.20, 1.20, 1.10, 1.00, 0.85, 0.95, 1.00, 0.95, 0.90)
_CONSUMABLES = (0.60, 0.75, 1.20, 1.45, 1.45, 1.25, 1.05, 0.80, 0.90, 0.90, 0.80, 0.85)

_SIZES = ("20 cm", "24 cm", "28 cm", "32 cm")

FAMILIES: tuple[FamilySpec, ...] = (
    FamilySpec(
        "POE", CUISINE, "Poêles et sauteuses", 26, LYON, _KITCHEN, 480.0, 0.02, (22.0, 65.0),
        (("LYO-EMB", 0.010), ("LYO-ASM", 0.012), ("LYO-MO", 0.040)),
        ((("C-INOX", 1.0), ("C-VERRE", 1.0)), (("C-ALU", 1.0),)),
        ("Poêle inox", "Poêle anti-adhésive", "Sauteuse inox", "Wok", "Crêpière", "Poêle céramique"), _SIZES, 0.035,
    ),
    FamilySpec(
        "CAS", CUISINE, "Casseroles et faitouts", 22, LYON, _KITCHEN, 340.0, 0.01, (25.0, 90.0),
        (("LYO-EMB", 0.012), ("LYO-EMA", 0.012), ("LYO-ASM", 0.015), ("LYO-MO", 0.050)),
        ((("C-INOX", 1.0), ("C-VERRE", 1.0)),),
        ("Casserole inox", "Faitout", "Marmite", "Casserole émaillée", "Cuit-vapeur"), ("16 cm", "20 cm", "24 cm"),
        0.035,
    ),
    FamilySpec(
        "COC", CUISINE, "Cocottes en fonte émaillée", 18, LYON, _GIFT, 150.0, 0.03, (55.0, 190.0),
        (("LYO-EMA", 0.060), ("LYO-ASM", 0.020), ("LYO-MO", 0.120)),
        ((("C-FONTE", 1.0),),),
        ("Cocotte ronde", "Cocotte ovale", "Mijoteuse", "Plat à four fonte"), ("rouge", "noire", "sauge", "bleue"),
        0.04,
    ),
    FamilySpec(
        "UST", CUISINE, "Ustensiles de cuisine", 22, LYON, _KITCHEN, 650.0, 0.00, (6.0, 30.0),
        (("LYO-EMB", 0.006), ("LYO-USI", 0.008), ("LYO-ASM", 0.006), ("LYO-MO", 0.025)),
        ((("C-INOX", 0.3),),),
        ("Louche", "Écumoire", "Spatule", "Fouet", "Passoire", "Râpe"), ("inox", "silicone", "bois"), 0.03,
    ),
    FamilySpec(
        "ELM", CUISINE, "Petit électroménager", 16, LYON, _APPLIANCE, 210.0, 0.06, (60.0, 260.0),
        (("LYO-ASM", 0.060), ("LYO-MO", 0.250)),
        ((("C-MOT-EL", 1.0), ("C-PCB", 1.0)),),
        ("Blender", "Robot pâtissier", "Hachoir", "Mixeur plongeant"), ("500 W", "800 W", "1200 W", "Pro"), 0.03,
    ),
    FamilySpec(
        "TON", JARDIN, "Tondeuses", 16, ANGERS, _MOWING, 260.0, 0.03, (330.0, 680.0),
        (("ANG-INJ", 0.10), ("ANG-SOU", 0.15), ("ANG-ASM", 0.45), ("ANG-MO", 1.40)),
        ((("C-MOT-TH", 1.0), ("C-TUBE", 1.0)), (("C-MOT-EL", 1.0), ("C-BAT-36", 1.0), ("C-TUBE", 1.0))),
        ("Tondeuse thermique", "Tondeuse batterie"), ("41 cm", "46 cm", "51 cm", "tractée", "mulching", "Pro"), 0.04,
    ),
    FamilySpec(
        "TAI", JARDIN, "Taille-haies et débroussailleuses", 12, ANGERS, _TRIMMING, 180.0, 0.04, (90.0, 260.0),
        (("ANG-INJ", 0.08), ("ANG-ASM", 0.25), ("ANG-MO", 0.60)),
        ((("C-MOT-EL", 1.0), ("C-BAT-36", 1.0)), (("C-MOT-EL", 1.0),)),
        ("Taille-haie", "Débroussailleuse", "Coupe-bordure"), ("batterie", "électrique", "Pro", "XL"), 0.035,
        subcontract=True,
    ),
    FamilySpec(
        "ARR", JARDIN, "Arrosage", 24, ANGERS, _WATERING, 850.0, 0.02, (8.0, 70.0),
        (("ANG-INJ", 0.020), ("ANG-MO", 0.050)),
        ((), (("C-PCB", 1.0),)),
        ("Pistolet d'arrosage", "Programmateur", "Enrouleur", "Arroseur oscillant"), ("standard", "confort", "Pro"),
        0.03, subcontract=True,
    ),
    FamilySpec(
        "OUT", JARDIN, "Outillage à main", 20, ANGERS, _TOOLS, 600.0, 0.00, (9.0, 45.0),
        (("ANG-SOU", 0.020), ("ANG-MO", 0.080)),
        ((("C-TUBE", 0.2),),),
        ("Bêche", "Râteau", "Sécateur", "Binette", "Cisaille"), ("acier", "frêne", "ergonomique", "Pro"), 0.03,
        subcontract=True,
    ),
    FamilySpec(
        "BBQ", JARDIN, "Barbecues et planchas", 14, ANGERS, _GRILL, 120.0, 0.05, (150.0, 720.0),
        (("ANG-SOU", 0.30), ("ANG-ASM", 0.35), ("ANG-MO", 1.10)),
        ((("C-BRUL", 2.0), ("C-TUBE", 1.0)), (("C-BRUL", 3.0), ("C-TUBE", 1.0)), (("C-TUBE", 1.0),)),
        ("Barbecue gaz", "Plancha gaz", "Barbecue charbon"), ("2 feux", "3 feux", "4 feux", "chariot"), 0.045,
    ),
    FamilySpec(
        "MOB", JARDIN, "Mobilier de jardin", 14, ANGERS, _FURNITURE, 150.0, 0.01, (45.0, 420.0),
        (("ANG-SOU", 0.20), ("ANG-MO", 0.60)),
        ((("C-TUBE", 2.0),),),
        ("Table", "Chaise empilable", "Fauteuil", "Bain de soleil", "Banc"), ("acier", "alu", "teck"), 0.035,
        subcontract=True,
    ),
    FamilySpec(
        "PDC", SAV, "Pièces détachées cuisine", 15, LYON, _SPARES, 6.0, 0.00, (4.0, 35.0),
        (("LYO-USI", 0.050), ("LYO-MO", 0.080)),
        ((),),
        ("Poignée", "Joint de cuve", "Lame de blender", "Bouton", "Couvercle de rechange"), ("A", "B", "C"), 0.03,
        intermittent=True,
    ),
    FamilySpec(
        "PDJ", SAV, "Pièces détachées jardin", 15, ANGERS, _SPARES, 8.0, 0.01, (5.0, 60.0),
        (("ANG-INJ", 0.030), ("ANG-MO", 0.060)),
        ((),),
        ("Courroie", "Roue", "Bac de ramassage", "Carburateur", "Gicleur"), ("A", "B", "C"), 0.03,
        intermittent=True,
    ),
    FamilySpec(
        "ACC", SAV, "Accessoires et consommables", 16, ANGERS, _CONSUMABLES, 300.0, 0.02, (5.0, 40.0),
        (("ANG-SOU", 0.020), ("ANG-MO", 0.040)),
        ((),),
        ("Lame de tondeuse", "Bobine de fil", "Housse", "Grille de cuisson"), ("standard", "renforcée", "XL", "Pro"),
        0.03,
    ),
)  # fmt: skip
FAMILY_IDS: tuple[str, ...] = tuple(f.family_id for f in FAMILIES)


def families_frame() -> pd.DataFrame:
    """The `families` table."""
    return pd.DataFrame(
        {
            "family_id": [f.family_id for f in FAMILIES],
            "category_id": [f.category_id for f in FAMILIES],
            "description": [f.description for f in FAMILIES],
        }
    )


def regions_frame() -> pd.DataFrame:
    """The `regions` table."""
    return pd.DataFrame(
        {
            "region_id": [r.region_id for r in REGIONS],
            "channel": [r.channel for r in REGIONS],
            "description": [r.description for r in REGIONS],
            "priority": [r.priority for r in REGIONS],
        }
    )


def lanes_frame() -> pd.DataFrame:
    """The `lanes` table."""
    return pd.DataFrame(LANES, columns=["from_site", "to_site", "cost_per_unit", "lead_time_months"])
