"""ringta: O(1) streaming technical indicators, TA-Lib exact, streaming equal to batch.

Batch functions take arrays and return arrays of the same length, NaN before
the first valid index; streaming classes take one bar at a time and return the
same values bit for bit.

>>> import ringta
>>> ringta.sma([1.0, 2.0, 3.0], period=2).tolist()
[nan, 1.5, 2.5]
"""

from .coordinator.bar import Bar, Bars
from .kernels.bollinger import BBandsResult, BollingerBands, bbands
from .kernels.ema import EMA, ema
from .kernels.macd import MACD, MacdResult, macd
from .kernels.obv import OBV, obv
from .kernels.rsi import RSI, rsi
from .kernels.sma import SMA, sma
from .kernels.trange import TRANGE, trange
from .kernels.atr import ATR, atr
from .kernels.natr import NATR, natr
from .kernels.mom import MOM, mom
from .kernels.roc import ROC, roc
from .kernels.wma import WMA, wma
from .kernels.willr import WILLR, willr
from .kernels.max import MAX, max  # noqa: A004 - TA-Lib's names; shadow the builtins only here
from .kernels.min import MIN, min  # noqa: A004
from .kernels.var import VAR, var
from .kernels.stddev import STDDEV, stddev
from .kernels.ad import AD, ad
from .kernels.adosc import ADOSC, adosc
from .kernels.cmo import CMO, cmo
from .kernels.aroon import AROON, AroonResult, aroon
from .kernels.aroonosc import AROONOSC, aroonosc
from .kernels.dema import DEMA, dema
from .kernels.tema import TEMA, tema
from .kernels.trima import TRIMA, trima
from .kernels.apo import APO, apo
from .kernels.ppo import PPO, ppo
from .kernels.stochf import STOCHF, StochfResult, stochf
from .kernels.keltner import KeltnerChannels, KeltnerResult, keltner
from .kernels.donchian import DonchianChannels, DonchianResult, donchian
from .kernels.mfi import MFI, mfi
from .kernels.adx import ADX, adx
from .kernels.minus_di import MINUS_DI, minus_di
from .kernels.plus_di import PLUS_DI, plus_di
from .kernels.ultosc import ULTOSC, ultosc
from .kernels.cci import CCI, cci
from .kernels.rma import RMA, rma
from .kernels.kama import KAMA, kama
from .kernels.stochrsi import STOCHRSI, StochrsiResult, stochrsi
from .kernels.stoch import STOCH, StochResult, stoch
from .kernels.rolling_vwap import RollingVWAP, rolling_vwap
from .kernels.vwap import VWAP, vwap

__version__ = "0.1.0"

__all__ = [
    "sma", "ema", "rsi", "macd", "bbands", "obv",
    "SMA", "EMA", "RSI", "MACD", "BollingerBands", "OBV",
    "trange", "atr", "natr", "mom", "roc", "wma", "willr", "max", "min", "var", "stddev", "ad", "adosc", "cmo", "aroon", "aroonosc", "dema", "tema", "trima", "apo", "ppo", "stochf",
    "TRANGE", "ATR", "NATR", "MOM", "ROC", "WMA", "WILLR", "MAX", "MIN", "VAR", "STDDEV", "AD", "ADOSC", "CMO", "AROON", "AROONOSC", "AroonResult", "DEMA", "TEMA", "TRIMA", "APO", "PPO", "STOCHF", "StochfResult",
    "keltner", "KeltnerChannels", "KeltnerResult", "donchian", "DonchianChannels", "DonchianResult",
    "vwap", "VWAP",
    "rolling_vwap", "RollingVWAP",
    "stoch", "STOCH", "StochResult", "stochrsi", "STOCHRSI", "StochrsiResult",
    "kama", "KAMA",
    "rma", "RMA",
    "cci", "CCI",
    "ultosc", "ULTOSC",
    "plus_di", "PLUS_DI",
    "minus_di", "MINUS_DI",
    "adx", "ADX",
    "mfi", "MFI",
    "MacdResult", "BBandsResult", "Bar", "Bars",
]
